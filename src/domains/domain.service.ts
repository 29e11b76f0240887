import type { DataSource, EntityManager } from 'typeorm';
import { notFoundError, userError, type UserError } from '../common/user-error';
import { lockCurrent, updateRow } from '../db/rows';
import { selectRows } from '../db/statements';
import { savepoint, type MutationScope } from '../db/transaction';
import { violatedUniqueConstraint } from '../db/pg-errors';
import { R3, check, type DomainFacts } from '../rules/rules';
import { markManaged } from '../accounts/account-claims';
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
   * domain from any organization that held it VERIFIED (it becomes SUPERSEDED there); a VERIFIED
   * domain whose proof is gone (DNS or its server answered without the token) becomes
   * MISSING_TOKEN. A check that got no answer changes no status: an outage of DNS or of the web
   * server must not block claims and migrations that rest on the proof.
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
      await m.audit({
        targetType: 'Domain',
        targetId: domain.id,
        before,
        after: { ...domainFacts(domain), error: result.reason, conclusive: result.conclusive },
      });
      return { kind: 'check_failed', domain, error: userError(DomainErrorCode.VERIFICATION_FAILED, message, 'id') };
    }

    if (domain.status !== DomainStatus.VERIFIED) {
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
          organizationId: holder.organizationId,
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
    const notVerified = check(R3, { email: `*@${domain.name}`, domain: domainFacts(domain) }, 'id');
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
