import type { Db, MutationScope } from '../db';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common';
import { R1, R3, R6, R8, check, refusalOf } from '../rules';
import { linkedDirectoryNames } from '../scim';
import { ConflictKind, causeKey, noteAction, reconcileConflicts, resolveConflicts } from '../conflicts';
import {
  AccountErrorCode,
  AccountStatus,
  AccountStore,
  changeAccountEmail,
  lockAccount,
  normalizeEmail,
  placeholderEmail,
  renameToPlaceholder,
  type Account,
} from '../accounts';
import { domainFacts, domainOwnedElsewhere, findDomainsByName } from '../domains';
import { takingFacts } from './address-facts';

export type AccountOutcome =
  | { kind: 'changed'; account: Account; previousEmail?: string }
  | { kind: 'unchanged'; account: Account }
  | { kind: 'refused'; errors: UserError[]; account?: Account | null };

const refused = (error: UserError, account?: Account | null): AccountOutcome => ({
  kind: 'refused',
  errors: [error],
  account,
});

export interface RenameInput {
  accountId: string;
  newEmail?: string | null;
  expectedVersion?: number | null;
}

/**
 * The mutations on accounts, each inside the transaction of a MutationScope. A workflow: their
 * rules read SCIM records (R1) and domains (R3, R8) besides the account.
 */
export const accountChanges = {
  /**
   * Renames an account's email (rules R1, R3, R6 and R8): to `newEmail`, or without it to the
   * first free placeholder `local+duplicatedN@domain`. The old email goes to the history; open
   * conflicts this account blocks record the step, and leaving a domain another organization
   * verified resolves the account's DOMAIN_OWNED_ELSEWHERE conflict.
   */
  async rename(m: MutationScope, input: RenameInput): Promise<AccountOutcome> {
    const { row: account, refusal } = await lockAccount(m, input);
    if (refusal) return refused(refusal, account);
    const idpManaged = await idpManagedRefusal(m.db, account);
    if (idpManaged) return refused(idpManaged, account);

    const [previousEmail, previousDomain] = [account.email, account.emailDomain];
    if (input.newEmail != null) {
      const parsed = normalizeEmail(input.newEmail);
      if (!parsed.ok) return refused(userError(AccountErrorCode.INVALID_EMAIL, parsed.message, 'newEmail'), account);
      if (parsed.email === account.email) return { kind: 'unchanged', account };
      // R3 first: it reads only the organization's own domains, so its answer says nothing about others.
      if (account.managed && parsed.domain !== account.emailDomain) {
        const domains = await findDomainsByName(m.db, m.organizationId, [parsed.domain]);
        const leaves = check(
          R3,
          { email: parsed.email, domain: domainFacts(domains.get(parsed.domain)), subject: 'managedEmail' },
          'newEmail',
        );
        if (leaves) return refused(leaves, account);
      }
      if (parsed.email.toLowerCase() !== account.email.toLowerCase()) {
        const taken = await takingRefusal(m.db, m.organizationId, parsed.email, account);
        if (taken) return refused(taken, account);
      }
      if (!(await changeAccountEmail(m, account, parsed.email, parsed.domain))) {
        // Taken meanwhile: refused as the checks above would refuse it now.
        const taken = await takingRefusal(m.db, m.organizationId, parsed.email, account);
        return refused(
          taken ?? refusalOf(R6, { newEmail: parsed.email, takenBy: 'another account' }, 'newEmail'),
          account,
        );
      }
    } else {
      const [local, domain] = [account.email.slice(0, account.email.lastIndexOf('@')), account.emailDomain];
      // A placeholder stays on the account's domain: not one whose addresses belong to another organization.
      if (await domainOwnedElsewhere(m.db, m.organizationId, domain)) {
        const facts = {
          email: placeholderEmail(local, domain, 1),
          heldBy: 'none',
          domainVerifiedBy: 'others',
        } as const;
        return refused(refusalOf(R8, { ...facts, taking: true }, 'newEmail'), account);
      }
      await renameToPlaceholder(m, account, local, domain);
    }

    // The first remediation step of an EMAIL_TAKEN conflict this account was blocking.
    await noteAction(m, {
      conflictingAccountId: account.id,
      kinds: [ConflictKind.EMAIL_TAKEN, ConflictKind.DUPLICATE_ACCOUNTS],
    });
    if (account.emailDomain !== previousDomain) {
      // The new address passed rule R8: the account no longer holds one on a domain verified elsewhere.
      await resolveConflicts(m, { accountId: account.id, kinds: [ConflictKind.DOMAIN_OWNED_ELSEWHERE] });
    }
    // What the rules find now for the account and the records wanting either address; on the same
    // domain too, where its open conflicts must name its new address.
    await reconcileConflicts(m, { accountIds: [account.id], emails: [previousEmail, account.email] });
    await m.audit({
      targetType: 'Account',
      targetId: account.id,
      before: { email: previousEmail },
      after: { email: account.email },
    });
    return { kind: 'changed', account, previousEmail };
  },

  async suspend(
    m: MutationScope,
    input: { accountId: string; reason: string; expectedVersion?: number | null },
  ): Promise<AccountOutcome> {
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > 500)
      return refused(userError(CommonErrorCode.INVALID_INPUT, 'Give a reason of 1 to 500 characters.', 'reason'));
    return changeStatus(m, input, AccountStatus.SUSPENDED, [AccountStatus.ACTIVE], reason);
  },

  restore(m: MutationScope, input: { accountId: string; expectedVersion?: number | null }): Promise<AccountOutcome> {
    return changeStatus(m, input, AccountStatus.ACTIVE, [AccountStatus.SUSPENDED], null);
  },

  /**
   * Switches a DEACTIVATED account back on (ACTIVE), the reverse of deactivate: only for managed
   * accounts, never for one an identity provider manages (rule R1: the IdP reactivates it with a
   * push of active: true), and not while its address sits on a domain another organization
   * verified (rule R8: a deactivated holder no longer counts; reactivated, it would take the
   * address back).
   */
  reactivate(m: MutationScope, input: { accountId: string; expectedVersion?: number | null }): Promise<AccountOutcome> {
    return changeStatus(m, input, AccountStatus.ACTIVE, [AccountStatus.DEACTIVATED], null);
  },

  deactivate(
    m: MutationScope,
    input: { accountId: string; reason?: string | null; expectedVersion?: number | null },
  ): Promise<AccountOutcome> {
    return changeStatus(
      m,
      input,
      AccountStatus.DEACTIVATED,
      [AccountStatus.ACTIVE, AccountStatus.SUSPENDED],
      input.reason?.trim() || null,
    );
  },
};

export type SuspendAccountsOutcome =
  { kind: 'changed'; accounts: Account[] } | { kind: 'refused'; errors: UserError[] };

/** How many accounts one suspendAccounts call takes, as claimAccounts. */
const MAX_BULK = 500;

/**
 * Suspends ACTIVE accounts, all or none (rule R5's review of external or inactive accounts):
 * every refusal is listed, one per account at fault (field ids.N), and then nothing changes.
 * Each account gets its own audit event; their STALE_EXTERNAL_ACCOUNT conflicts are resolved, as
 * suspendAccount does for one.
 */
export async function suspendAccounts(
  m: MutationScope,
  input: { ids: string[]; reason: string },
): Promise<SuspendAccountsOutcome> {
  const reason = input.reason.trim();
  const errors: UserError[] = [];
  if (input.ids.length === 0 || input.ids.length > MAX_BULK)
    errors.push(userError(CommonErrorCode.INVALID_INPUT, `Give between 1 and ${MAX_BULK} account ids.`, 'ids'));
  if (reason.length === 0 || reason.length > 500)
    errors.push(userError(CommonErrorCode.INVALID_INPUT, 'Give a reason of 1 to 500 characters.', 'reason'));
  if (errors.length > 0) return { kind: 'refused', errors };

  const store = new AccountStore(m.db);
  const byId = new Map(
    (await store.lockMany(m.organizationId, input.ids, m.action)).map((account) => [account.id, account]),
  );
  const seen = new Set<string>();
  const accounts: Account[] = [];
  input.ids.forEach((id, i) => {
    const field = `ids.${i}`;
    const account = byId.get(id.toLowerCase());
    if (!account) return void errors.push(notFoundError('account', field));
    if (seen.has(account.id)) {
      return void errors.push(
        userError(CommonErrorCode.INVALID_INPUT, `${account.email} is listed more than once.`, field),
      );
    }
    seen.add(account.id);
    if (account.status !== AccountStatus.ACTIVE) {
      return void errors.push(
        userError(
          AccountErrorCode.INVALID_STATUS_TRANSITION,
          `${account.email} is ${account.status}; ${m.action} needs it ${AccountStatus.ACTIVE}.`,
          field,
        ),
      );
    }
    accounts.push(account);
  });
  if (errors.length > 0) return { kind: 'refused', errors };

  const updated = await store.setStatus(
    m.organizationId,
    accounts.map((account) => account.id),
    AccountStatus.SUSPENDED,
    reason,
    m.action,
  );
  // What suspendAccount does for one: the STALE_EXTERNAL_ACCOUNT conflicts of these accounts asked for it (rule R5).
  await resolveConflicts(m, {
    kinds: [ConflictKind.STALE_EXTERNAL_ACCOUNT],
    causeKeys: accounts.map((account) => causeKey.account(account.id)),
  });
  await reconcileConflicts(m, { accountIds: accounts.map((account) => account.id) }, [
    ConflictKind.STALE_EXTERNAL_ACCOUNT,
  ]);
  for (const account of accounts) {
    const before = { status: account.status, statusReason: account.statusReason };
    Object.assign(account, { status: AccountStatus.SUSPENDED, statusReason: reason }, updated.get(account.id));
    await m.audit({
      targetType: 'Account',
      targetId: account.id,
      before,
      after: { status: account.status, statusReason: account.statusReason },
    });
  }
  return { kind: 'changed', accounts };
}

async function changeStatus(
  m: MutationScope,
  input: { accountId: string; expectedVersion?: number | null },
  to: AccountStatus,
  from: AccountStatus[],
  reason: string | null,
): Promise<AccountOutcome> {
  // The status mutations name the account `id`: their refusals say so.
  const { row: account, refusal } = await lockAccount(m, input, 'id');
  if (refusal) return refused(refusal, account);
  const reactivating = to === AccountStatus.ACTIVE && account.status === AccountStatus.DEACTIVATED;
  if (to === AccountStatus.DEACTIVATED || reactivating) {
    // Deactivation switches the whole account off (and reactivation on again): only for managed
    // accounts, and from the IdP when it manages them.
    if (!account.managed) {
      return refused(
        userError(
          AccountErrorCode.ACCOUNT_NOT_MANAGED,
          `${account.email} is not managed by your organization; claim it first.`,
          'id',
        ),
        account,
      );
    }
    const idpManaged = await idpManagedRefusal(m.db, account, 'id');
    if (idpManaged) return refused(idpManaged, account);
  }
  if (reactivating && from.includes(account.status)) {
    const unavailable = check(R8, (await takingFacts(m.db, m.organizationId, account.email, account.id)).facts, 'id');
    if (unavailable) return refused(unavailable, account);
  }
  if (!from.includes(account.status)) {
    return refused(
      userError(
        AccountErrorCode.INVALID_STATUS_TRANSITION,
        `${account.email} is ${account.status}; ${m.action} needs it ${from.join(' or ')}.`,
        'id',
      ),
      account,
    );
  }
  const before = { status: account.status, statusReason: account.statusReason };
  // Back to ACTIVE is activity; suspending or deactivating is not (it would hide the account from inactiveSince).
  await new AccountStore(m.db).update(account, { status: to, statusReason: reason }, 'updateAccount', {
    activity: to === AccountStatus.ACTIVE,
  });
  if (to !== AccountStatus.ACTIVE) {
    // Suspending or deactivating a stale account is what its STALE_EXTERNAL_ACCOUNT conflict asked for
    // (rule R5); deactivating one on a domain another organization verified, what DOMAIN_OWNED_ELSEWHERE did (R8).
    const kinds = [ConflictKind.STALE_EXTERNAL_ACCOUNT];
    if (to === AccountStatus.DEACTIVATED) kinds.push(ConflictKind.DOMAIN_OWNED_ELSEWHERE);
    await resolveConflicts(m, { accountId: account.id, kinds });
  }
  // What the rules find now for the account: its status decides R5 (active), and R3 and R8 (deactivated or not).
  const deactivation = to === AccountStatus.DEACTIVATED || before.status === AccountStatus.DEACTIVATED;
  await reconcileConflicts(
    m,
    { accountIds: [account.id] },
    deactivation
      ? [ConflictKind.STALE_EXTERNAL_ACCOUNT, ConflictKind.UNMANAGED_ACCOUNT, ConflictKind.DOMAIN_OWNED_ELSEWHERE]
      : [ConflictKind.STALE_EXTERNAL_ACCOUNT],
  );
  await m.audit({
    targetType: 'Account',
    targetId: account.id,
    before,
    after: { status: account.status, statusReason: account.statusReason },
  });
  return { kind: 'changed', account };
}

/** Rule R1: an account a SCIM record provisions is changed at its identity provider, not here. */
async function idpManagedRefusal(db: Db, account: Account, field = 'accountId'): Promise<UserError | null> {
  const linked = await linkedDirectoryNames(db, [account.id]);
  return check(R1, { email: account.email, linkedDirectories: linked.get(account.id) ?? [] }, field);
}

/**
 * Rules R8 then R6 for an address `account` would take: one refusal for every reason outside the
 * organization (never which), and the holder named when it is one of the organization's own.
 */
async function takingRefusal(
  db: Db,
  organizationId: string,
  email: string,
  account: Account,
): Promise<UserError | null> {
  const { facts, holderEmail } = await takingFacts(db, organizationId, email, account.id);
  return (
    check(R8, facts, 'newEmail') ??
    check(R6, { newEmail: email, takenBy: holderEmail && `the account ${holderEmail}` }, 'newEmail')
  );
}
