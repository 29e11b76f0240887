import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope } from '../auth/authorization';
import { Scope } from '../auth/scopes';
import { PageArgs } from '../common/pagination';
import type { Context } from '../context';
import { Account } from '../accounts/account.entity';
import { Directory } from '../directories/directory.entity';
import { Conflict } from '../conflicts/conflict.entity';
import { ConflictStatus } from '../conflicts/conflict.enums';
import { ScimRecord } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';
import { ScimRecordFilter } from './scim-record.inputs';
import { ScimRecordConnection } from './scim-record.types';

@Resolver(() => ScimRecord)
export class ScimRecordResolver {
  @Query(() => ScimRecordConnection, { description: 'SCIM records pushed by the organization\'s IdPs, newest first.' })
  @RequireScope(Scope.READ)
  async scimRecords(
    @Arg('filter', () => ScimRecordFilter, { nullable: true }) filter: ScimRecordFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ScimRecordConnection> {
    return new ScimRecordConnection(await ctx.services.scimRecords.list(ctx.organizationId, filter ?? {}, page));
  }

  @Query(() => ScimRecord, { nullable: true, description: 'By id: the same id the IdP sees as the SCIM User id.' })
  @RequireScope(Scope.READ)
  scimRecord(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ScimRecord | null> {
    return ctx.loaders.scim.recordById.load(id);
  }

  @FieldResolver(() => Directory)
  async directory(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<Directory> {
    return (await ctx.loaders.directories.byId.load(record.directoryId))!;
  }

  @FieldResolver(() => Account, { nullable: true, description: 'The account this record provisions; null while unlinked.' })
  account(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<Account | null> | null {
    return record.accountId ? ctx.loaders.accounts.byId.load(record.accountId) : null;
  }

  @FieldResolver(() => [Conflict], { description: 'Conflicts raised by this record, newest first.' })
  conflicts(
    @Root() record: ScimRecord,
    @Arg('status', () => ConflictStatus, { nullable: true }) status: ConflictStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Conflict[]> {
    return ctx.loaders.conflicts.byRelated.scimRecord(status ?? undefined).load(record.id);
  }

  @FieldResolver(() => [ScimPush], { description: 'Every push for this record, newest first.' })
  pushHistory(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<ScimPush[]> {
    return ctx.loaders.scim.pushesByRecord.load(record.id);
  }
}

export const scimRecordReferenceResolvers = {
  ScimRecord: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.scim.recordById.load(reference.id);
    },
  },
};
