import type { DataSource, EntityManager } from 'typeorm';
import { notFoundError, userError, type UserError } from '../common/user-error';
import { lockRow, staleVersion, updateRow } from '../db/rows';
import { savepoint, type MutationScope } from '../db/transaction';
import { violatedUniqueConstraint } from '../db/pg-errors';
import { R3, check } from '../rules/rules';
import { settleUnmanagedConflicts } from '../conflicts/conflict.ledger';
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
export async function findDomainsByName(tx: EntityManager, organizationId: string, names: string[]): Promise<Map<string, Domain>> {
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

export const domainFacts = (domain: Domain | undefined | null) =>
  domain ? { name: domain.name, status: domain.status, claimed: domain.claimedAt !== null } : null;

export type DomainOutcome =
  | { kind: 'changed' | 'unchanged'; domain: Domain; claimedAccounts?: number }
  | { kind: 'check_failed'; domain: Domain; error: UserError }
  | { kind: 'refused'; error: UserError; domain?: Domain | null };

const refusedDomain = (error: UserError, domain?: Domain | null): DomainOutcome => ({ kind: 'refused', error, domain });

/** What the audit trail keeps of a domain. */
const domainSnapshot = (domain: Domain) => ({ name: domain.name, status: domain.status, claimed: domain.claimedAt !== null });

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
      return refusedDomain(userError(DomainErrorCode.DOMAIN_EXISTS, `${normalized.name} is already one of your organization's domains.`, 'name'));
    }
    await m.audit({ targetType: 'Domain', targetId: domain.id, before: null, after: domainSnapshot(domain) });
    return { kind: 'changed', domain };
  },

  /**
   * Records the result of an ownership check made before the transaction (network calls never
   * hold row locks): UNVERIFIED/MISSING_TOKEN/SUPERSEDED -> VERIFIED on success, taking the
   * domain from any organization that held it VERIFIED (it becomes SUPERSEDED there); a VERIFIED
   * domain whose proof is gone becomes MISSING_TOKEN.
   */
  async recordCheck(m: MutationScope, input: { id: string; expectedVersion?: number | null }, result: CheckResult): Promise<DomainOutcome> {
    const domain = await lockRow(m.tx, Domain, m.organizationId, input.id, m.action);
    if (!domain) return refusedDomain(notFoundError('domain', 'id'));
    const stale = staleVersion(input.expectedVersion, domain);
    if (stale) return refusedDomain(stale, domain);
    const before = domainSnapshot(domain);

    if (!result.ok) {
      const status = domain.status === DomainStatus.VERIFIED ? DomainStatus.MISSING_TOKEN : domain.status;
      await updateRow(m.tx, Domain, domain, { status, lastCheckedAt: new Date(), lastCheckError: result.detail });
      await m.audit({ targetType: 'Domain', targetId: domain.id, before, after: { ...domainSnapshot(domain), error: result.reason } });
      return { kind: 'check_failed', domain, error: userError(DomainErrorCode.VERIFICATION_FAILED, result.detail, 'id') };
    }

    if (domain.status !== DomainStatus.VERIFIED) {
      const holders = await m.tx
        .getRepository(Domain)
        .createQueryBuilder('d')
        .setLock('pessimistic_write')
        .where('d.name = :name AND d.status = :verified AND d.id <> :id', { name: domain.name, verified: DomainStatus.VERIFIED, id: domain.id })
        .getMany();
      for (const holder of holders) {
        await updateRow(m.tx, Domain, holder, { status: DomainStatus.SUPERSEDED });
        // The other organization learns from its own trail why its domain changed.
        await m.audit({
          organizationId: holder.organizationId,
          action: 'domainSuperseded',
          targetType: 'Domain',
          targetId: holder.id,
          before: { name: holder.name, status: DomainStatus.VERIFIED },
          after: { name: holder.name, status: DomainStatus.SUPERSEDED, reason: 'Another organization verified this domain.' },
        });
      }
    }
    await updateRow(m.tx, Domain, domain, {
      status: DomainStatus.VERIFIED,
      verifiedAt: domain.status === DomainStatus.VERIFIED ? domain.verifiedAt : new Date(),
      lastCheckedAt: new Date(),
      lastCheckError: null,
    });
    await m.audit({ targetType: 'Domain', targetId: domain.id, before, after: domainSnapshot(domain) });
    return { kind: 'changed', domain };
  },

  /** Claims a VERIFIED domain (rule R3) and, with it, every unmanaged account on it. */
  async claim(m: MutationScope, input: { id: string; expectedVersion?: number | null }): Promise<DomainOutcome> {
    const domain = await lockRow(m.tx, Domain, m.organizationId, input.id, m.action);
    if (!domain) return refusedDomain(notFoundError('domain', 'id'));
    const stale = staleVersion(input.expectedVersion, domain);
    if (stale) return refusedDomain(stale, domain);
    const notVerified = check(R3, { email: `*@${domain.name}`, domain: domainFacts(domain) }, 'id');
    if (notVerified) return refusedDomain(notVerified, domain);
    if (domain.claimedAt !== null) return { kind: 'unchanged', domain, claimedAccounts: 0 };

    const before = domainSnapshot(domain);
    await updateRow(m.tx, Domain, domain, { claimedAt: new Date() });
    const [claimed] = await m.tx.query(
      `/* claimDomain */ UPDATE account SET managed = true, claimed_at = now(), version = version + 1, updated_at = now()
       WHERE organization_id = $1 AND email_domain = $2 AND NOT managed RETURNING id`,
      [m.organizationId, domain.name],
    );
    const claimedIds = (claimed as Array<{ id: string }>).map((row) => row.id);
    await settleUnmanagedConflicts(m.tx, m.organizationId, claimedIds, m.action, m.actor);
    await m.audit({ targetType: 'Domain', targetId: domain.id, before, after: { ...domainSnapshot(domain), claimedAccounts: claimedIds.length } });
    return { kind: 'changed', domain, claimedAccounts: claimedIds.length };
  },
};
