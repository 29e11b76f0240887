import { CommonErrorCode, notFoundError, userError, type UserError, staleVersion } from '../common';
import type { MutationScope } from '../db';
import { R3, check } from '../rules';
import { settleUnmanagedConflicts } from '../conflicts';
import { AccountStore, type Account } from '../accounts';
import { DomainStore, domainFacts, findDomainsByName, lockDomain, type DomainOutcome } from '../domains';

/**
 * What a claim does to accounts (given ones, or every unmanaged one on a domain): marks them
 * managed and settles their UNMANAGED_ACCOUNT conflicts. Returns the claimed ones by id.
 */
async function markManaged(
  m: MutationScope,
  which: { ids: string[] } | { domain: string },
): Promise<Map<string, { claimedAt: Date; version: number }>> {
  const claimed = await new AccountStore(m.db).markManaged(m.organizationId, which);
  await settleUnmanagedConflicts(m, [...claimed.keys()]);
  return claimed;
}

export type ClaimAccountsOutcome = { kind: 'claimed'; accounts: Account[] } | { kind: 'refused'; errors: UserError[] };

/** Claims accounts (rule R3: their domain must be VERIFIED), all or none. */
export async function claimAccounts(
  m: MutationScope,
  accountIds: string[],
  expectedVersion?: number | null,
  field = 'ids',
): Promise<ClaimAccountsOutcome> {
  const fieldOf = (i: number) => (field === 'ids' ? `ids.${i}` : field);
  if (accountIds.length === 0 || accountIds.length > 500) {
    return {
      kind: 'refused',
      errors: [userError(CommonErrorCode.INVALID_INPUT, 'Give between 1 and 500 account ids.', field)],
    };
  }
  const accounts = await new AccountStore(m.db).lockMany(m.organizationId, accountIds, 'claimAccounts');
  const byId = new Map(accounts.map((account) => [account.id, account]));
  const domains = await findDomainsByName(
    m.db,
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
}

/** Claims a VERIFIED domain (rule R3) and, with it, every unmanaged account on it. */
export async function claimDomain(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
): Promise<DomainOutcome> {
  const { row: domain, refusal } = await lockDomain(m, input);
  if (refusal) return { kind: 'refused', error: refusal, domain };
  const notVerified = check(R3, { email: `*@${domain.name}`, domain: domainFacts(domain), subject: 'claim' }, 'id');
  if (notVerified) return { kind: 'refused', error: notVerified, domain };
  if (domain.claimedAt !== null) return { kind: 'unchanged', domain, claimedAccounts: 0 };

  const before = domainFacts(domain);
  await new DomainStore(m.db).update(domain, { claimedAt: new Date() });
  const claimed = await markManaged(m, { domain: domain.name });
  await m.audit({
    targetType: 'Domain',
    targetId: domain.id,
    before,
    after: { ...domainFacts(domain), claimedAccounts: claimed.size },
  });
  return { kind: 'changed', domain, claimedAccounts: claimed.size };
}
