import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope } from '../auth/authorization';
import { Scope } from '../auth/scopes';
import { PageArgs } from '../common/pagination';
import type { Context } from '../context';
import { Account } from '../accounts/account.entity';
import { Directory } from '../directories/directory.entity';
import { Domain } from '../domains/domain.entity';
import { ScimRecord } from '../scim/scim-record.entity';
import { Conflict } from './conflict.entity';
import { ConflictFilter } from './conflict.inputs';
import { ConflictConnection } from './conflict.types';

@Resolver(() => Conflict)
export class ConflictResolver {
  @Query(() => ConflictConnection, { description: 'Conflicts of the organization, newest first.' })
  @RequireScope(Scope.READ)
  async conflicts(
    @Arg('filter', () => ConflictFilter, { nullable: true }) filter: ConflictFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ConflictConnection> {
    return new ConflictConnection(await ctx.services.conflicts.list(ctx.organizationId, filter ?? {}, page));
  }

  @Query(() => Conflict, { nullable: true })
  @RequireScope(Scope.READ)
  conflict(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Conflict | null> {
    return ctx.loaders.conflicts.byId.load(id);
  }

  @FieldResolver(() => Account, { nullable: true, description: 'The account the IdP is provisioning (the record\'s account).' })
  account(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Account | null> | null {
    return conflict.accountId ? ctx.loaders.accounts.byId.load(conflict.accountId) : null;
  }

  @FieldResolver(() => Account, { nullable: true, description: 'The other account: the one that already holds the email.' })
  conflictingAccount(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Account | null> | null {
    return conflict.conflictingAccountId ? ctx.loaders.accounts.byId.load(conflict.conflictingAccountId) : null;
  }

  @FieldResolver(() => ScimRecord, { nullable: true })
  scimRecord(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<ScimRecord | null> | null {
    return conflict.scimRecordId ? ctx.loaders.scim.recordById.load(conflict.scimRecordId) : null;
  }

  @FieldResolver(() => Directory, { nullable: true })
  directory(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Directory | null> | null {
    return conflict.directoryId ? ctx.loaders.directories.byId.load(conflict.directoryId) : null;
  }

  @FieldResolver(() => Domain, { nullable: true })
  domain(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Domain | null> | null {
    return conflict.domainId ? ctx.loaders.domains.byId.load(conflict.domainId) : null;
  }
}

export const conflictReferenceResolvers = {
  Conflict: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.conflicts.byId.load(reference.id);
    },
  },
};
