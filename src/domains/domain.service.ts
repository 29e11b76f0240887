import type { DataSource, EntityManager } from 'typeorm';
import { notFoundError, userError, type UserError } from '../common/user-error';
import { lockCurrent, updateRow } from '../db/rows';
import { selectRows } from '../db/statements';
import { savepoint, type MutationScope } from '../db/transaction';
import { violatedUniqueConstraint } from '../db/pg-errors';
import { R3, R8, check, violationOf, type DomainFacts } from '../rules/rules';
import { markManaged } from '../accounts/account-claims';
import { ConflictKind } from '../conflicts/conflict.enums';
import { causeKey, openConflicts, type ConflictSpec } from '../conflicts/conflict.ledger';
import { reconcileDomain } from '../conflicts/conflict-detection';

/** The conflicts a domain's status decides (rules R3, R6 and R8), reconciled when it changes. */
const DOMAIN_STATUS_KINDS = [
  ConflictKind.UNMANAGED_ACCOUNT,
  ConflictKind.UNVERIFIED_DOMAIN,
  ConflictKind.EMAIL_TAKEN,
  ConflictKind.DOMAIN_OWNED_ELSEWHERE,
];
import { Domain } from './domain.entity';
import { DomainStatus, type DomainVerificationMethod } from './domain.enums';
import { DomainErrorCode } from './domain.errors';
import { normalizeDomainName } from './domain-name';
import { newVerificationToken } from './domain-verification';
import type { CheckResult } from './domain-checker';

export class DomainService {
  constructor(private readonly db: DataSource) {}

  /** An organization asserts tens of domains, not thousands: one sorted list, no pages. */
  list(organizationId: string, status?: DomainStatus | null): Promise<Domain[]> {
    const query = this.db
      .getRepository(Domain)
      .createQueryBuilder('d')
      .comment('domains')
      .where('d.organizationId = :organizationId', { organizationId });
    if (status) query.andWhere('d.status = :status', { status });
    return query.orderBy('d.name').getMany();
  }
}

/** The organization's domains with these (stored-form) names, by name. */
export async function findDomainsByName(
  tx: EntityManager,
  organizationId: string,
  names: string[],
): Promise<Map<string, Domain>> {
  if (names.length === 0) return new Map();
  const domains = await tx
    .getRepository(Domain)
    .createQueryBuilder('d')
    .comment('domainsByName')
    .where('d.organizationId = :organizationId', { organizationId })
    .andWhere('d.name = ANY(:names)', { names: [...new Set(names)] })
    .getMany();
  return new Map(domains.map((domain) => [domain.name, domain]));
}

/**
 * Rule R8's per-change facts: which of these email domains (stored form) another organization
 * has VERIFIED (exact names: a subdomain is a domain of its own). Share-locks every other
 * organization's row of those names, so a verification in flight either commits first and is
 * seen here, or waits for this transaction and then sees what it wrote (and opens its conflict).
 */
async function domainsOwnedElsewhere(tx: EntityManager, organizationId: string, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows: Array<{ name: string; status: DomainStatus }> = await tx.query(
    `/* domainsOwnedElsewhere */ SELECT name, status FROM domain
      WHERE name = ANY($2::text[]) AND organization_id <> $1 ORDER BY id FOR SHARE`,
    [organizationId, [...new Set(names)]],
  );
  return new Set(rows.filter((row) => row.status === DomainStatus.VERIFIED).map((row) => row.name));
}

export const domainOwnedElsewhere = async (tx: EntityManager, organizationId: string, name: string) =>
  (await domainsOwnedElsewhere(tx, organizationId, [name])).has(name);

/**
 * Rule R8 when `domain` is verified: accounts of other organizations holding addresses on it
 * (they predate the verification) get their DOMAIN_OWNED_ELSEWHERE conflict in their own
 * organization now, exactly as a rescan there would open it.
 */
async function openOwnedElsewhereConflicts(m: MutationScope, domain: Domain): Promise<void> {
  // One probe of the (organization_id, email_domain, ...) index per other organization (OFFSET 0
  // keeps the planner from flattening it into a scan of every account on the name, most of them
  // the verifier's own); no index on email_domain alone is worth its write cost for this.
  const holders: Array<{ id: string; organization_id: string; email: string; own_domain_id: string | null }> =
    await m.tx.query(
      `/* verifyDomain:holders */ SELECT a.id, o.id AS organization_id, a.email, own.id AS own_domain_id
         FROM organization o
         JOIN LATERAL (SELECT a.id, a.email FROM account a
                        WHERE a.organization_id = o.id AND a.email_domain = $1 AND a.status <> 'DEACTIVATED' OFFSET 0) a ON true
         LEFT JOIN domain own ON own.organization_id = o.id AND own.name = $1
        WHERE o.id <> $2`,
      [domain.name, domain.organizationId],
    );
  const byOrganization = new Map<string, ConflictSpec[]>();
  for (const holder of holders) {
    const spec: ConflictSpec = {
      kind: ConflictKind.DOMAIN_OWNED_ELSEWHERE,
      causeKey: causeKey.account(holder.id),
      summary: violationOf(R8, { email: holder.email, heldBy: 'us', domainVerifiedBy: 'others', taking: false }),
      email: holder.email,
      accountId: holder.id,
      domainId: holder.own_domain_id,
    };
    byOrganization.set(holder.organization_id, [...(byOrganization.get(holder.organization_id) ?? []), spec]);
  }
  for (const [organizationId, specs] of byOrganization) {
    await openConflicts(m, specs, { organizationId, actor: 'system:domain-verification' });
  }
}

/** What the rules read of a domain, and what the audit trail keeps of it. */
export function domainFacts(domain: Domain): DomainFacts;
export function domainFacts(domain: Domain | undefined | null): DomainFacts | null;
export function domainFacts(domain: Domain | undefined | null): DomainFacts | null {
  return domain ? { name: domain.name, status: domain.status, claimed: domain.claimedAt !== null } : null;
}

export type DomainOutcome =
  | { kind: 'changed' | 'unchanged'; domain: Domain; claimedAccounts?: number }
  | { kind: 'check_failed'; domain: Domain; error: UserError }
  | { kind: 'refused'; error: UserError; domain?: Domain | null };

const refusedDomain = (error: UserError, domain?: Domain | null): DomainOutcome => ({ kind: 'refused', error, domain });

/** The mutations on domains, each inside a MutationScope's transaction. */
export const domainMutations = {
  async add(m: MutationScope, input: { name: string; method: DomainVerificationMethod }): Promise<DomainOutcome> {
    const normalized = normalizeDomainName(input.name);
    if (!normalized.ok) return refusedDomain(userError(DomainErrorCode[normalized.code], normalized.message, 'name'));
    const domain = m.tx.create(Domain, {
      organizationId: m.organizationId,
      name: normalized.name,
      verificationMethod: input.method,
      verificationToken: newVerificationToken(),
    });
    try {
      await savepoint(m.tx, () => m.tx.save(domain));
    } catch (error) {
      if (violatedUniqueConstraint(error) !== 'domain_organization_id_name_key') throw error;
      return refusedDomain(
        userError(
          DomainErrorCode.DOMAIN_EXISTS,
          `${normalized.name} is already one of your organization's domains.`,
          'name',
        ),
      );
    }
    await m.audit({ targetType: 'Domain', targetId: domain.id, before: null, after: domainFacts(domain) });
    return { kind: 'changed', domain };
  },

  /**
   * Records the result of an ownership check made before the transaction (network calls never
   * hold row locks): UNVERIFIED/MISSING_TOKEN/SUPERSEDED -> VERIFIED on success, taking the
   * domain from any organization that held it VERIFIED (it becomes SUPERSEDED there) and opening
   * a DOMAIN_OWNED_ELSEWHERE conflict wherever another organization's account holds an address on
   * it (rule R8); a VERIFIED domain whose proof is gone (DNS or its server answered without the
   * token) becomes MISSING_TOKEN. A check that got no answer changes no status: an outage of DNS
   * or of the web server must not block claims and migrations that rest on the proof.
   */
  async recordCheck(
    m: MutationScope,
    input: { id: string; expectedVersion?: number | null },
    result: CheckResult,
  ): Promise<DomainOutcome> {
    const { row: domain, refusal } = await lockCurrent(
      m,
      Domain,
      input.id,
      input.expectedVersion,
      notFoundError('domain', 'id'),
    );
    if (refusal) return refusedDomain(refusal, domain);
    const before = domainFacts(domain);

    if (!result.ok) {
      const proofGone = result.conclusive && domain.status === DomainStatus.VERIFIED;
      const status = proofGone ? DomainStatus.MISSING_TOKEN : domain.status;
      const message = result.conclusive
        ? result.detail
        : `${domain.name} could not be checked: ${result.detail} Its status is unchanged (${status}); try again later.`;
      await updateRow(m.tx, Domain, domain, { status, lastCheckedAt: new Date(), lastCheckError: message });
      if (proofGone) await reconcileDomain(m, domain.name, DOMAIN_STATUS_KINDS, 'system:domain-verification');
      await m.audit({
        targetType: 'Domain',
        targetId: domain.id,
        before,
        after: { ...domainFacts(domain), error: result.reason, conclusive: result.conclusive },
      });
      return { kind: 'check_failed', domain, error: userError(DomainErrorCode.VERIFICATION_FAILED, message, 'id') };
    }

    const becomesVerified = domain.status !== DomainStatus.VERIFIED;
    if (becomesVerified) {
      const holders = await selectRows(
        m.tx,
        Domain,
        'verifiedHolders',
        'name = $1 AND status = $2 AND id <> $3',
        [domain.name, DomainStatus.VERIFIED, domain.id],
        { lock: true },
      );
      for (const holder of holders) {
        await updateRow(m.tx, Domain, holder, { status: DomainStatus.SUPERSEDED });
        // The other organization learns from its own trail why its domain changed.
        await m.audit({
          elsewhere: { organizationId: holder.organizationId, actor: 'system:domain-verification' },
          action: 'domainSuperseded',
          targetType: 'Domain',
          targetId: holder.id,
          before: { name: holder.name, status: DomainStatus.VERIFIED },
          after: {
            name: holder.name,
            status: DomainStatus.SUPERSEDED,
            reason: 'Another organization verified this domain.',
          },
        });
      }
    }
    await updateRow(m.tx, Domain, domain, {
      status: DomainStatus.VERIFIED,
      verifiedAt: domain.status === DomainStatus.VERIFIED ? domain.verifiedAt : new Date(),
      lastCheckedAt: new Date(),
      lastCheckError: null,
    });
    if (becomesVerified) {
      // Only on the change: no rescan can be opening these conflicts before it commits, since
      // none sees the domain VERIFIED until then (so the two never wait on each other's rows).
      await openOwnedElsewhereConflicts(m, domain);
      // Its own accounts on it no longer sit on a domain another organization verified, are claimable
      // now, and its records pushing addresses on it are on a verified domain: the rules decide.
      await reconcileDomain(m, domain.name, DOMAIN_STATUS_KINDS, 'system:domain-verification');
    }
    await m.audit({ targetType: 'Domain', targetId: domain.id, before, after: domainFacts(domain) });
    return { kind: 'changed', domain };
  },

  /** Claims a VERIFIED domain (rule R3) and, with it, every unmanaged account on it. */
  async claim(m: MutationScope, input: { id: string; expectedVersion?: number | null }): Promise<DomainOutcome> {
    const { row: domain, refusal } = await lockCurrent(
      m,
      Domain,
      input.id,
      input.expectedVersion,
      notFoundError('domain', 'id'),
    );
    if (refusal) return refusedDomain(refusal, domain);
    const notVerified = check(R3, { email: `*@${domain.name}`, domain: domainFacts(domain), subject: 'claim' }, 'id');
    if (notVerified) return refusedDomain(notVerified, domain);
    if (domain.claimedAt !== null) return { kind: 'unchanged', domain, claimedAccounts: 0 };

    const before = domainFacts(domain);
    await updateRow(m.tx, Domain, domain, { claimedAt: new Date() });
    const claimed = await markManaged(m, { domain: domain.name });
    await m.audit({
      targetType: 'Domain',
      targetId: domain.id,
      before,
      after: { ...domainFacts(domain), claimedAccounts: claimed.size },
    });
    return { kind: 'changed', domain, claimedAccounts: claimed.size };
  },
};
