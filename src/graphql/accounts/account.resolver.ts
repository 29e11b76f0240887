import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope, Scope } from '../../auth';
import { PageArgs, MutationOptions, assertNever } from '../../common';
import type { Context } from '../../context';
import { Domain } from '../../domains';
import { ScimRecord } from '../../scim';
import { Conflict, ConflictStatus } from '../../conflicts';
import { Account, AccountEmailChange, AccountFilter } from '../../accounts';
import { AccountConnection } from './account.types';
import { AccountPayload, ClaimAccountsPayload, SuspendAccountsPayload } from './account.payloads';
import { accountChanges, suspendAccounts, type AccountOutcome, claimAccounts } from '../../workflows';

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => AccountConnection, { description: "Accounts of the caller's organization, by email." })
  @RequireScope(Scope.READ)
  async accounts(
    @Arg('filter', () => AccountFilter, { nullable: true }) filter: AccountFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<AccountConnection> {
    // Planned from the selection: the page and the relations it asks for in one statement.
    return new AccountConnection(await ctx.plans.accounts(ctx, info, filter ?? {}, page));
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

  @FieldResolver(() => Domain, {
    nullable: true,
    description: "The organization's domain this email is on, if it asserts it.",
  })
  domain(@Root() account: Account, @Ctx() ctx: Context): Promise<Domain | null> | Domain | null {
    const read = ctx.plans.planned(account, ctx.plans.account.domain);
    if (read !== undefined) return read;
    return ctx.loaders.domains.byName.load(account.emailDomain).then(([domain = null]) => domain);
  }

  @FieldResolver(() => Boolean, { description: 'Linked to a SCIM record: change it at the IdP, not here (rule R1).' })
  idpManaged(@Root() account: Account, @Ctx() ctx: Context): Promise<boolean> | boolean {
    const read = ctx.plans.planned(account, ctx.plans.account.scimRecords);
    if (read !== undefined) return read.length > 0;
    return ctx.loaders.scim.recordsByAccount.load(account.id).then((records) => records.length > 0);
  }

  @FieldResolver(() => [ScimRecord], { description: 'SCIM records provisioning this account.' })
  scimRecords(@Root() account: Account, @Ctx() ctx: Context): Promise<ScimRecord[]> | ScimRecord[] {
    return (
      ctx.plans.planned(account, ctx.plans.account.scimRecords) ?? ctx.loaders.scim.recordsByAccount.load(account.id)
    );
  }

  @FieldResolver(() => [Conflict], { description: 'Conflicts naming this account on either side, newest first.' })
  conflicts(
    @Root() account: Account,
    @Arg('status', () => ConflictStatus, { nullable: true }) status: ConflictStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Conflict[]> | Conflict[] {
    return (
      ctx.plans.planned(account, ctx.plans.account.conflicts(status)) ??
      ctx.loaders.conflicts.byRelated.account(status ?? undefined).load(account.id)
    );
  }

  @FieldResolver(() => [AccountEmailChange], {
    description: 'Earlier emails, newest change first. Renames never lose the old address.',
  })
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

/** Maps an account service outcome to its payload; exhaustive over the outcome kinds. */
function accountPayload(outcome: AccountOutcome) {
  switch (outcome.kind) {
    case 'changed':
      return { account: outcome.account, previousEmail: outcome.previousEmail ?? null, userErrors: [] };
    case 'unchanged':
      return { account: outcome.account, previousEmail: null, userErrors: [] };
    case 'refused':
      return { account: outcome.account ?? null, previousEmail: null, userErrors: outcome.errors };
    default:
      return assertNever(outcome);
  }
}

@Resolver()
export class AccountMutationResolver {
  @Mutation(() => AccountPayload, {
    description:
      "Changes an account's email; without newEmail, to the first free placeholder local+duplicatedN@domain on its own domain (rule R6). The old email stays in emailHistory; leaving a domain another organization verified resolves the account's DOMAIN_OWNED_ELSEWHERE conflict. Refusals: IDP_MANAGED_ACCOUNT (R1: linked to a SCIM record, change it at the IdP); INVALID_EMAIL; DOMAIN_NOT_VERIFIED (R3: a managed account moves only to a VERIFIED domain of the organization); EMAIL_UNAVAILABLE (R8: the address is in use outside the organization, or its domain is verified by another organization; one message for both, never which; also a placeholder on such a domain); EMAIL_TAKEN (R6: another account of the organization owns it); NOT_FOUND; VERSION_CONFLICT.",
  })
  @RequireScope(Scope.WRITE)
  renameAccountEmail(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('newEmail', () => String, { nullable: true }) newEmail: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { accountId, newEmail, expectedVersion };
    return ctx.mutate(AccountPayload, { action: 'renameAccountEmail', args, ...options }, async (m) =>
      accountPayload(await accountChanges.rename(m, args)),
    );
  }

  @Mutation(() => AccountPayload, {
    description:
      'Claims an account on a VERIFIED domain of the organization: it now manages it. Refusals: DOMAIN_NOT_VERIFIED (R3: its domain is not a VERIFIED domain of the organization); NOT_FOUND; VERSION_CONFLICT.',
  })
  @RequireScope(Scope.WRITE)
  claimAccount(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    return ctx.mutate(
      AccountPayload,
      { action: 'claimAccount', args: { accountId, expectedVersion }, ...options },
      async (m) => {
        const outcome = await claimAccounts(m, [accountId], expectedVersion, 'accountId');
        return outcome.kind === 'claimed'
          ? { account: outcome.accounts[0], userErrors: [] }
          : { account: null, userErrors: outcome.errors };
      },
    );
  }

  @Mutation(() => ClaimAccountsPayload, {
    description:
      'Claims up to 500 accounts at once, all or none. Refusals, one per account at fault (field ids.N): DOMAIN_NOT_VERIFIED (R3); NOT_FOUND; INVALID_INPUT (no ids, or more than 500).',
  })
  @RequireScope(Scope.WRITE)
  claimAccounts(@Arg('ids', () => [ID]) ids: string[], @Args() options: MutationOptions, @Ctx() ctx: Context) {
    return ctx.mutate(ClaimAccountsPayload, { action: 'claimAccounts', args: { ids }, ...options }, async (m) => {
      const outcome = await claimAccounts(m, ids);
      return outcome.kind === 'claimed'
        ? { accounts: outcome.accounts, userErrors: [] }
        : { accounts: [], userErrors: outcome.errors };
    });
  }

  @Mutation(() => AccountPayload, {
    description:
      "Removes an ACTIVE account's access to the organization, reversibly (restoreAccount). Its STALE_EXTERNAL_ACCOUNT conflict (rule R5: on the old domain of a migration, or external) resolves.",
  })
  @RequireScope(Scope.WRITE)
  suspendAccount(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { accountId: id, reason, expectedVersion };
    return ctx.mutate(AccountPayload, { action: 'suspendAccount', args, ...options }, async (m) =>
      accountPayload(await accountChanges.suspend(m, args)),
    );
  }

  @Mutation(() => SuspendAccountsPayload, {
    description:
      "Suspends up to 500 ACTIVE accounts at once, all or none (rule R5: review external or inactive accounts, e.g. from accounts(filter: { external: true }) or { inactiveSince }). Each account gets its own audit event (the payload's change is the first); their STALE_EXTERNAL_ACCOUNT conflicts are resolved. Refusals, every one listed, one per account at fault (field ids.N): NOT_FOUND; INVALID_STATUS_TRANSITION (not ACTIVE); INVALID_INPUT (listed twice; no ids or more than 500, field ids; a reason not 1 to 500 characters, field reason).",
  })
  @RequireScope(Scope.WRITE)
  suspendAccounts(
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('reason') reason: string,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { ids, reason };
    return ctx.mutate(SuspendAccountsPayload, { action: 'suspendAccounts', args, ...options }, async (m) => {
      const outcome = await suspendAccounts(m, args);
      return outcome.kind === 'changed'
        ? { accounts: outcome.accounts, userErrors: [] }
        : { accounts: [], userErrors: outcome.errors };
    });
  }

  @Mutation(() => AccountPayload, {
    description:
      'Gives a SUSPENDED account its organization access back. An account that no SCIM record backs, external or on the old domain of a migration, gets its STALE_EXTERNAL_ACCOUNT conflict again (rule R5).',
  })
  @RequireScope(Scope.WRITE)
  restoreAccount(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { accountId: id, expectedVersion };
    return ctx.mutate(AccountPayload, { action: 'restoreAccount', args, ...options }, async (m) =>
      accountPayload(await accountChanges.restore(m, args)),
    );
  }

  @Mutation(() => AccountPayload, {
    description:
      'Switches a DEACTIVATED managed account back on (ACTIVE, statusReason cleared); restoreAccount is for SUSPENDED ones. An IdP-managed account is reactivated at the IdP, not here (rule R1: its next push with active: true does it). Refusals: IDP_MANAGED_ACCOUNT (R1); ACCOUNT_NOT_MANAGED; EMAIL_UNAVAILABLE (R8: its address is on a domain another organization has since verified; rename it first); INVALID_STATUS_TRANSITION (not DEACTIVATED); NOT_FOUND; VERSION_CONFLICT.',
  })
  @RequireScope(Scope.WRITE)
  reactivateAccount(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { accountId: id, expectedVersion };
    return ctx.mutate(AccountPayload, { action: 'reactivateAccount', args, ...options }, async (m) =>
      accountPayload(await accountChanges.reactivate(m, args)),
    );
  }

  @Mutation(() => AccountPayload, {
    description:
      'Switches a managed account off entirely (unlike suspendAccount). IdP-managed accounts are deactivated by the IdP (rule R1).',
  })
  @RequireScope(Scope.WRITE)
  deactivateAccount(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { accountId: id, reason, expectedVersion };
    return ctx.mutate(AccountPayload, { action: 'deactivateAccount', args, ...options }, async (m) =>
      accountPayload(await accountChanges.deactivate(m, args)),
    );
  }
}
