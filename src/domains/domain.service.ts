import type { DataSource } from 'typeorm';
import { userError, type UserError, type Locked, lockedAsExpected } from '../common';
import { queryBuilderFor, type Db, type MutationScope } from '../db';
import type { DomainFacts } from '../rules';
import type { Domain } from './domain.entity';
import type { DomainMigration } from './domain-migration.entity';

import { DomainStatus, type DomainVerificationMethod } from './domain.enums';
import { DomainErrorCode } from './domain.errors';
import { normalizeDomainName } from './domain-name';
import { newVerificationToken } from './domain-verification';
import type { CheckResult } from './domain-checker';
import { DomainStore } from './domain.store';

/** The reads of domains outside a mutation. */
export class DomainService {
  private readonly store: DomainStore;

  constructor(db: DataSource) {
    this.store = new DomainStore(queryBuilderFor(db));
  }

  list(organizationId: string, status?: DomainStatus | null): Promise<Domain[]> {
    return this.store.list(organizationId, status);
  }

  /** Domain migrations of the organization, newest first. */
  migrations(organizationId: string): Promise<DomainMigration[]> {
    return this.store.migrations(organizationId);
  }
}

/** The organization's domains with these (stored-form) names, by name. */
export async function findDomainsByName(db: Db, organizationId: string, names: string[]): Promise<Map<string, Domain>> {
  const domains = await new DomainStore(db).byNames(organizationId, names);
  return new Map(domains.map((domain) => [domain.name, domain]));
}

/**
 * Rule R8's per-change facts: whether another organization has VERIFIED this email domain
 * (stored form; exact names: a subdomain is a domain of its own). Share-locks every other
 * organization's row of the name, so a verification in flight either commits first and is
 * seen here, or waits for this transaction and then sees what it wrote (and opens its conflict).
 */
export const domainOwnedElsewhere = async (db: Db, organizationId: string, name: string) =>
  (await new DomainStore(db).verifiedElsewhere(organizationId, [name])).has(name);

/**
 * How a mutation of one domain starts: the domain locked (the statement named for the action),
 * then NOT_FOUND when it is absent, or VERSION_CONFLICT when `expectedVersion` is stale.
 */
export async function lockDomain(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
): Promise<Locked<Domain>> {
  const domain = await new DomainStore(m.db).lock(m.organizationId, input.id, m.action);
  return lockedAsExpected(domain, input.expectedVersion, 'domain', 'id');
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
    const domain = await new DomainStore(m.db).insert({
      organizationId: m.organizationId,
      name: normalized.name,
      verificationMethod: input.method,
      verificationToken: newVerificationToken(),
    });
    if (!domain) {
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
    /**
     * What a status change means outside the domain (conflicts of accounts and records on it, in
     * this organization and others): the workflow's part.
     */
    consequences: { verified: (domain: Domain) => Promise<void>; proofLost: (domain: Domain) => Promise<void> },
  ): Promise<DomainOutcome> {
    const store = new DomainStore(m.db);
    const { row: domain, refusal } = await lockDomain(m, input);
    if (refusal) return refusedDomain(refusal, domain);
    const before = domainFacts(domain);

    if (!result.ok) {
      const proofGone = result.conclusive && domain.status === DomainStatus.VERIFIED;
      const status = proofGone ? DomainStatus.MISSING_TOKEN : domain.status;
      const message = result.conclusive
        ? result.detail
        : `${domain.name} could not be checked: ${result.detail} Its status is unchanged (${status}); try again later.`;
      await store.update(domain, { status, lastCheckedAt: new Date(), lastCheckError: message });
      if (proofGone) await consequences.proofLost(domain);
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
      const holders = await store.lockVerifiedHolders(domain.name, domain.id);
      for (const holder of holders) {
        await store.update(holder, { status: DomainStatus.SUPERSEDED });
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
    await store.update(domain, {
      status: DomainStatus.VERIFIED,
      verifiedAt: domain.status === DomainStatus.VERIFIED ? domain.verifiedAt : new Date(),
      lastCheckedAt: new Date(),
      lastCheckError: null,
    });
    if (becomesVerified) {
      // Only on the change: no rescan can be opening these conflicts before it commits, since
      // none sees the domain VERIFIED until then (so the two never wait on each other's rows).
      await consequences.verified(domain);
    }
    await m.audit({ targetType: 'Domain', targetId: domain.id, before, after: domainFacts(domain) });
    return { kind: 'changed', domain };
  },
};
