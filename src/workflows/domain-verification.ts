import type { MutationScope } from '../db';
import { R8, violationOf } from '../rules';
import {
  ConflictKind,
  causeKey,
  openConflicts,
  reconcileDomain,
  reconcileKinds,
  type ConflictSpec,
} from '../conflicts';
import { AccountStore } from '../accounts';
import {
  domainMutations,
  type CheckResult,
  type Domain,
  type DomainOutcome,
  type DomainVerificationMethod,
} from '../domains';

/**
 * Rule R8 when `domain` is verified: accounts of other organizations holding addresses on it
 * (they predate the verification) get their DOMAIN_OWNED_ELSEWHERE conflict in their own
 * organization now, exactly as a rescan there would open it.
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
  }
}

/**
 * The conflicts a domain's status decides (rules R3, R5, R6 and R8), reconciled when it changes:
 * R5's external accounts are those on none of the organization's verified domains.
 */
const DOMAIN_STATUS_KINDS = [
  ConflictKind.UNMANAGED_ACCOUNT,
  ConflictKind.STALE_EXTERNAL_ACCOUNT,
  ConflictKind.UNVERIFIED_DOMAIN,
  ConflictKind.EMAIL_TAKEN,
  ConflictKind.DOMAIN_OWNED_ELSEWHERE,
];

/**
 * Asserts a domain (still unverified, so no rule's verdict changes), and the conflicts of records
 * pushing addresses on it (UNVERIFIED_DOMAIN, EMAIL_TAKEN) now name it, as a rescan would.
 */
export async function addDomain(
  m: MutationScope,
  input: { name: string; method: DomainVerificationMethod },
): Promise<DomainOutcome> {
  const outcome = await domainMutations.add(m, input);
  if (outcome.kind === 'changed') await reconcileKinds(m, [ConflictKind.UNVERIFIED_DOMAIN, ConflictKind.EMAIL_TAKEN]);
  return outcome;
}

/**
 * Records the result of an ownership check made before the transaction (see
 * domainMutations.recordCheck); when the domain becomes VERIFIED, other organizations' accounts
 * on it get their DOMAIN_OWNED_ELSEWHERE conflict (rule R8).
 */
export function verifyDomain(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
  result: CheckResult,
): Promise<DomainOutcome> {
  return domainMutations.recordCheck(m, input, result, {
    verified: async (domain) => {
      await openOwnedElsewhereConflicts(m, domain);
      // Its own accounts on it no longer sit on a domain another organization verified, are claimable
      // now, and its records pushing addresses on it are on a verified domain: the rules decide.
      await reconcileDomain(m, domain.name, DOMAIN_STATUS_KINDS, 'system:domain-verification');
    },
    proofLost: (domain) => reconcileDomain(m, domain.name, DOMAIN_STATUS_KINDS, 'system:domain-verification'),
  });
}
