import type { DataSource, EntityManager } from 'typeorm';
import { Conditions, paginate, type Keyset, type Page } from '../common/pagination';
import { escapeLike } from '../common/sql';
import { asciiDomain } from '../domains/domain-name';
import { isUuid } from '../common/ids';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common/user-error';
import { lockCurrent, staleVersion, updateRow } from '../db/rows';
import { selectRows } from '../db/statements';
import type { MutationScope } from '../db/transaction';
import { R1, R3, R6, R8, check, refusalOf } from '../rules/rules';
import { domainFacts, domainOwnedElsewhere, findDomainsByName } from '../domains/domain.service';
import { linkedDirectoryNames } from '../scim/scim-record.service';
import { ConflictKind } from '../conflicts/conflict.enums';
import { noteAction, resolveConflicts } from '../conflicts/conflict.ledger';
import { reconcileConflicts } from '../conflicts/conflict-detection';
import { markManaged } from './account-claims';
import { Account } from './account.entity';
import { changeAccountEmail } from './account-email-change';
import { AccountStatus } from './account.enums';
import { AccountErrorCode } from './account.errors';
import { firstFreePlaceholder, normalizeEmail, placeholderEmail, placeholderSeriesPrefix } from './email';
import { takingFacts } from './address-facts';
import type { AccountFilter } from './account.inputs';

/** Accounts sort by email, byte order: the order a portal shows and the index prefix search uses. */
const ACCOUNT_KEYSET: Keyset<Account> = {
  scope: 'accounts',
  direction: 'ASC',
  keys: [
    { property: 'email', cast: 'text', expression: (sql) => `lower(${sql}) COLLATE "C"` },
    { property: 'id', cast: 'uuid' },
  ],
};

export class AccountService {
  constructor(private readonly db: DataSource) {}

  list(
    organizationId: string,
    filter: AccountFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<Account>> {
    const where = accountConditions(new Conditions().and('organization_id = ?', organizationId), filter);
    return paginate(this.db, Account, { comment: 'accounts', where, keyset: ACCOUNT_KEYSET }, page);
  }

  findByEmail(organizationId: string, email: string): Promise<Account | null> {
    return this.db
      .getRepository(Account)
      .createQueryBuilder('a')
      .comment('accountByEmail')
      .where('lower(a.email) = lower(:email)', { email: email.trim() })
      .andWhere('a.organizationId = :organizationId', { organizationId })
      .getOne();
  }
}

function accountConditions(where: Conditions, filter: AccountFilter): Conditions {
  if (filter.status) where.and('status = ?', filter.status);
  if (filter.origin) where.and('origin = ?', filter.origin);
  if (filter.managed != null) where.and('managed = ?', filter.managed);
  if (filter.domain != null) where.and('email_domain = ?', asciiDomain(filter.domain));
  if (filter.emailPrefix)
    where.and(`lower(email) COLLATE "C" LIKE lower(?) || '%'`, escapeLike(filter.emailPrefix.trim()));
  if (filter.idpManaged != null)
    where.and(`${filter.idpManaged ? '' : 'NOT '}EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = account.id)`);
  return where;
}

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

const MAX_PLACEHOLDER_ATTEMPTS = 100;

/** The mutations on accounts; each runs inside the transaction of a MutationScope. */
export const accountMutations = {
  /**
   * Renames an account's email (rules R1, R3, R6 and R8): to `newEmail`, or without it to the
   * first free placeholder `local+duplicatedN@domain`. The old email goes to the history; open
   * conflicts this account blocks record the step, and leaving a domain another organization
   * verified resolves the account's DOMAIN_OWNED_ELSEWHERE conflict.
   */
  async rename(m: MutationScope, input: RenameInput): Promise<AccountOutcome> {
    const { row: account, refusal } = await lockCurrent(
      m,
      Account,
      input.accountId,
      input.expectedVersion,
      notFoundError('account', 'accountId'),
    );
    if (refusal) return refused(refusal, account);
    const idpManaged = await idpManagedRefusal(m.tx, account);
    if (idpManaged) return refused(idpManaged, account);

    const [previousEmail, previousDomain] = [account.email, account.emailDomain];
    if (input.newEmail != null) {
      const parsed = normalizeEmail(input.newEmail);
      if (!parsed.ok) return refused(userError(AccountErrorCode.INVALID_EMAIL, parsed.message, 'newEmail'), account);
      if (parsed.email === account.email) return { kind: 'unchanged', account };
      // R3 first: it reads only the organization's own domains, so its answer says nothing about others.
      if (account.managed && parsed.domain !== account.emailDomain) {
        const domains = await findDomainsByName(m.tx, m.organizationId, [parsed.domain]);
        const leaves = check(
          R3,
          { email: parsed.email, domain: domainFacts(domains.get(parsed.domain)), subject: 'managedEmail' },
          'newEmail',
        );
        if (leaves) return refused(leaves, account);
      }
      if (parsed.email.toLowerCase() !== account.email.toLowerCase()) {
        const taken = await takingRefusal(m.tx, m.organizationId, parsed.email, account);
        if (taken) return refused(taken, account);
      }
      if (!(await changeAccountEmail(m, account, parsed.email, parsed.domain))) {
        // Taken meanwhile: refused as the checks above would refuse it now.
        const taken = await takingRefusal(m.tx, m.organizationId, parsed.email, account);
        return refused(
          taken ?? refusalOf(R6, { newEmail: parsed.email, takenBy: 'another account' }, 'newEmail'),
          account,
        );
      }
    } else {
      const [local, domain] = [account.email.slice(0, account.email.lastIndexOf('@')), account.emailDomain];
      // A placeholder stays on the account's domain: not one whose addresses belong to another organization.
      if (await domainOwnedElsewhere(m.tx, m.organizationId, domain)) {
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
    // Moved to another domain: what the rules find now for the account and the records wanting either address.
    if (account.emailDomain !== previousDomain)
      await reconcileConflicts(m, { accountIds: [account.id], emails: [previousEmail, account.email] });
    await m.audit({
      targetType: 'Account',
      targetId: account.id,
      before: { email: previousEmail },
      after: { email: account.email },
    });
    return { kind: 'changed', account, previousEmail };
  },

  /** Claims accounts (rule R3: their domain must be VERIFIED), all or none. */
  async claim(
    m: MutationScope,
    accountIds: string[],
    expectedVersion?: number | null,
    field = 'ids',
  ): Promise<{ kind: 'claimed'; accounts: Account[] } | { kind: 'refused'; errors: UserError[] }> {
    const fieldOf = (i: number) => (field === 'ids' ? `ids.${i}` : field);
    if (accountIds.length === 0 || accountIds.length > 500) {
      return {
        kind: 'refused',
        errors: [userError(CommonErrorCode.INVALID_INPUT, 'Give between 1 and 500 account ids.', field)],
      };
    }
    const ids = accountIds.filter(isUuid);
    const accounts = await selectRows(
      m.tx,
      Account,
      'claimAccounts',
      'organization_id = $1 AND id = ANY($2::uuid[])',
      [m.organizationId, ids],
      { orderBy: 'id', lock: true },
    );
    const byId = new Map(accounts.map((account) => [account.id, account]));
    const domains = await findDomainsByName(
      m.tx,
      m.organizationId,
      accounts.map((account) => account.emailDomain),
    );
    const errors: UserError[] = [];
    const requested: Account[] = [];
    accountIds.forEach((id, i) => {
      const account = byId.get(id.toLowerCase());
      if (!account) return void errors.push(notFoundError('account', fieldOf(i)));
      requested.push(account);
      const stale = accountIds.length === 1 ? staleVersion(expectedVersion, account) : null;
      if (stale) return void errors.push(stale);
      if (account.managed) return;
      const refusal = check(
        R3,
        { email: account.email, domain: domainFacts(domains.get(account.emailDomain)), subject: 'claim' },
        fieldOf(i),
      );
      if (refusal) errors.push(refusal);
    });
    if (errors.length > 0) return { kind: 'refused', errors };

    const toClaim = accounts.filter((account) => !account.managed);
    if (toClaim.length > 0) {
      const claimedAt = await markManaged(m, { ids: toClaim.map((account) => account.id) });
      for (const account of toClaim) Object.assign(account, { managed: true, ...claimedAt.get(account.id) });
      await m.audit({
        targetType: 'Account',
        targetId: toClaim.length === 1 ? toClaim[0].id : null,
        before: { accounts: toClaim.map((account) => ({ id: account.id, email: account.email, managed: false })) },
        after: { accounts: toClaim.map((account) => ({ id: account.id, email: account.email, managed: true })) },
      });
    }
    return { kind: 'claimed', accounts: requested };
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

async function changeStatus(
  m: MutationScope,
  input: { accountId: string; expectedVersion?: number | null },
  to: AccountStatus,
  from: AccountStatus[],
  reason: string | null,
): Promise<AccountOutcome> {
  const { row: account, refusal } = await lockCurrent(
    m,
    Account,
    input.accountId,
    input.expectedVersion,
    notFoundError('account', 'accountId'),
  );
  if (refusal) return refused(refusal, account);
  if (to === AccountStatus.DEACTIVATED) {
    // Deactivation switches the whole account off: only for managed accounts, and from the IdP when it manages them.
    if (!account.managed) {
      return refused(
        userError(
          AccountErrorCode.ACCOUNT_NOT_MANAGED,
          `${account.email} is not managed by your organization; claim it first.`,
          'accountId',
        ),
        account,
      );
    }
    const idpManaged = await idpManagedRefusal(m.tx, account);
    if (idpManaged) return refused(idpManaged, account);
  }
  if (!from.includes(account.status)) {
    return refused(
      userError(
        AccountErrorCode.INVALID_STATUS_TRANSITION,
        `${account.email} is ${account.status}; ${m.action} needs it ${from.join(' or ')}.`,
        'accountId',
      ),
      account,
    );
  }
  const before = { status: account.status, statusReason: account.statusReason };
  await updateRow(m.tx, Account, account, { status: to, statusReason: reason });
  if (to !== AccountStatus.ACTIVE) {
    // Suspending or deactivating a stale account is what its STALE_EXTERNAL_ACCOUNT conflict asked for
    // (rule R5); deactivating one on a domain another organization verified, what DOMAIN_OWNED_ELSEWHERE did (R8).
    const kinds = [ConflictKind.STALE_EXTERNAL_ACCOUNT];
    if (to === AccountStatus.DEACTIVATED) kinds.push(ConflictKind.DOMAIN_OWNED_ELSEWHERE);
    await resolveConflicts(m, { accountId: account.id, kinds });
  }
  // What the rules find now for the account: its status decides R5 (active), and R3 and R8 (deactivated or not).
  await reconcileConflicts(
    m,
    { accountIds: [account.id] },
    to === AccountStatus.DEACTIVATED
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
async function idpManagedRefusal(tx: EntityManager, account: Account): Promise<UserError | null> {
  const linked = await linkedDirectoryNames(tx, [account.id]);
  return check(R1, { email: account.email, linkedDirectories: linked.get(account.id) ?? [] }, 'accountId');
}

/**
 * Rules R8 then R6 for an address `account` would take: one refusal for every reason outside the
 * organization (never which), and the holder named when it is one of the organization's own.
 */
async function takingRefusal(
  tx: EntityManager,
  organizationId: string,
  email: string,
  account: Account,
): Promise<UserError | null> {
  const { facts, holderEmail } = await takingFacts(tx, organizationId, email, account.id);
  return (
    check(R8, facts, 'newEmail') ??
    check(R6, { newEmail: email, takenBy: holderEmail && `the account ${holderEmail}` }, 'newEmail')
  );
}

/**
 * Takes the first free placeholder. Concurrent renames of accounts sharing a local part can pick
 * the same one; the unique index lets exactly one win and the others move on to the next number.
 */
async function renameToPlaceholder(m: MutationScope, account: Account, local: string, domain: string): Promise<void> {
  let from = 1;
  for (let attempt = 0; attempt < MAX_PLACEHOLDER_ATTEMPTS; attempt++) {
    const rows: Array<{ email: string }> = await m.tx.query(
      `/* placeholders */ SELECT lower(email) AS email FROM account WHERE lower(email) LIKE lower($1) || '%+duplicated%@' || $2`,
      [escapeLike(placeholderSeriesPrefix(local, domain)), escapeLike(domain)],
    );
    const candidate = firstFreePlaceholder(local, domain, new Set(rows.map((row) => row.email)), from);
    if (await changeAccountEmail(m, account, candidate.email, domain)) return;
    from = candidate.n + 1;
  }
  throw new Error(`No free placeholder for ${account.email} after ${MAX_PLACEHOLDER_ATTEMPTS} attempts`);
}
