import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope } from '../auth/authorization';
import { Scope } from '../auth/scopes';
import { PageArgs } from '../common/pagination';
import type { Context } from '../context';
import { Domain } from '../domains/domain.entity';
import { ScimRecord } from '../scim/scim-record.entity';
import { Conflict } from '../conflicts/conflict.entity';
import { ConflictStatus } from '../conflicts/conflict.enums';
import { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';
import { AccountFilter } from './account.inputs';
import { AccountConnection } from './account.types';

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => AccountConnection, { description: 'Accounts of the caller\'s organization, by email.' })
  @RequireScope(Scope.READ)
  async accounts(
    @Arg('filter', () => AccountFilter, { nullable: true }) filter: AccountFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<AccountConnection> {
    return new AccountConnection(await ctx.services.accounts.list(ctx.organizationId, filter ?? {}, page));
  }

  @Query(() => Account, { nullable: true })
  @RequireScope(Scope.READ)
  account(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Account | null> {
    return ctx.loaders.accounts.byId.load(id);
  }

  @Query(() => Account, { nullable: true, description: 'Case-insensitive: Alice@Acme.com finds alice@acme.com.' })
  @RequireScope(Scope.READ)
  accountByEmail(@Arg('email') email: string, @Ctx() ctx: Context): Promise<Account | null> {
    return ctx.services.accounts.findByEmail(ctx.organizationId, email);
  }

  @FieldResolver(() => Domain, { nullable: true, description: "The organization's domain this email is on, if it asserts it." })
  async domain(@Root() account: Account, @Ctx() ctx: Context): Promise<Domain | null> {
    const [domain] = await ctx.loaders.domains.byName.load(account.emailDomain);
    return domain ?? null;
  }

  @FieldResolver(() => Boolean, { description: 'Linked to a SCIM record: change it at the IdP, not here (rule R1).' })
  async idpManaged(@Root() account: Account, @Ctx() ctx: Context): Promise<boolean> {
    return (await ctx.loaders.scim.recordsByAccount.load(account.id)).length > 0;
  }

  @FieldResolver(() => [ScimRecord], { description: 'SCIM records provisioning this account.' })
  scimRecords(@Root() account: Account, @Ctx() ctx: Context): Promise<ScimRecord[]> {
    return ctx.loaders.scim.recordsByAccount.load(account.id);
  }

  @FieldResolver(() => [Conflict], { description: 'Conflicts naming this account on either side, newest first.' })
  conflicts(
    @Root() account: Account,
    @Arg('status', () => ConflictStatus, { nullable: true }) status: ConflictStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Conflict[]> {
    return ctx.loaders.conflicts.byRelated.account(status ?? undefined).load(account.id);
  }

  @FieldResolver(() => [AccountEmailChange], { description: 'Earlier emails, newest change first. Renames never lose the old address.' })
  emailHistory(@Root() account: Account, @Ctx() ctx: Context): Promise<AccountEmailChange[]> {
    return ctx.loaders.accounts.emailHistory.load(account.id);
  }
}

export const accountReferenceResolvers = {
  Account: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.accounts.byId.load(reference.id);
    },
  },
};
