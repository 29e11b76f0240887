import type { MutationScope } from '../db/transaction';
import { R8, violationOf } from '../rules/rules';
import { ConflictKind } from '../conflicts/conflict.enums';
import { causeKey, openConflicts, resolveConflicts, type ConflictSpec } from '../conflicts/conflict.ledger';
import { SUMMARY_TEMPLATES, formatSummary } from '../conflicts/conflict-summaries';
import { AccountStore } from '../accounts';
import { domainMutations, type CheckResult, type Domain, type DomainOutcome } from '../domains';
import { DomainVerificationStore } from './domain-verification.store';

/**
 * Rule R8 when `domain` is verified: accounts of other organizations holding addresses on it
 * (they predate the verification) get their DOMAIN_OWNED_ELSEWHERE conflict in their own
 * organization now, exactly as a rescan there would open it, and their UNMANAGED_ACCOUNT
 * conflicts there are RESOLVED.
 */
async function openOwnedElsewhereConflicts(m: MutationScope, domain: Domain): Promise<void> {
  const holders = await new AccountStore(m.db).holdersElsewhere(domain.name, domain.organizationId);
  const byOrganization = new Map<string, ConflictSpec[]>();
  for (const holder of holders) {
    const spec: ConflictSpec = {
      kind: ConflictKind.DOMAIN_OWNED_ELSEWHERE,
      causeKey: causeKey.account(holder.id),
      summary: violationOf(R8, { email: holder.email, heldBy: 'us', domainVerifiedBy: 'others', taking: false }),
      email: holder.email,
      accountId: holder.id,
      domainId: holder.ownDomainId,
    };
    byOrganization.set(holder.organizationId, [...(byOrganization.get(holder.organizationId) ?? []), spec]);
  }
  for (const [organizationId, specs] of byOrganization) {
    await openConflicts(m, specs, { organizationId, actor: 'system:domain-verification' });
    // Their unmanaged accounts on it are no longer theirs to claim (the rescan there would resolve
    // these); that organization's trail names the system actor and no request id, as every event elsewhere.
    await resolveConflicts(
      { ...m, organizationId, actor: 'system:domain-verification', requestId: null },
      { kinds: [ConflictKind.UNMANAGED_ACCOUNT], emailDomain: domain.name },
    );
  }
}

/**
 * The organization's own consequences of `domain` becoming VERIFIED: its unmanaged accounts on it
 * become claimable, so each gets its UNMANAGED_ACCOUNT conflict now (naming the SCIM record that
 * waits on it, if any), exactly as a rescan would open it, instead of at the next detectConflicts;
 * and the UNVERIFIED_DOMAIN conflicts of records pushing addresses on it are RESOLVED.
 */
async function openUnmanagedConflicts(m: MutationScope, domain: Domain): Promise<void> {
  const claimable = await new DomainVerificationStore(m.db).claimableOn(domain.organizationId, domain.name);
  await openConflicts(
    m,
    claimable.map((account) => ({
      kind: ConflictKind.UNMANAGED_ACCOUNT,
      causeKey: causeKey.account(account.id),
      summary: formatSummary(SUMMARY_TEMPLATES.UNMANAGED_ACCOUNT, account.email, account.emailDomain),
      email: account.email,
      accountId: account.id,
      scimRecordId: account.waitingRecordId,
      directoryId: account.waitingDirectoryId,
      domainId: domain.id,
    })),
  );
  // The records that pushed addresses on it no longer push onto an unverified domain.
  await resolveConflicts(m, { kinds: [ConflictKind.UNVERIFIED_DOMAIN], emailDomain: domain.name });
}

/**
 * Records the result of an ownership check made before the transaction (see
 * domainMutations.recordCheck); when the domain becomes VERIFIED, other organizations' accounts
 * on it get their DOMAIN_OWNED_ELSEWHERE conflict (rule R8), and the organization's own unmanaged
 * accounts on it their UNMANAGED_ACCOUNT conflict.
 */
export function verifyDomain(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
  result: CheckResult,
): Promise<DomainOutcome> {
  return domainMutations.recordCheck(m, input, result, async (domain) => {
    await openOwnedElsewhereConflicts(m, domain);
    await openUnmanagedConflicts(m, domain);
  });
}
