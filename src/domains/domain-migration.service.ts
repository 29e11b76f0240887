import type { DataSource, EntityManager } from 'typeorm';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common/user-error';
import { savepoint, type MutationScope } from '../db/transaction';
import { selectRows } from '../db/statements';
import { violatedUniqueConstraint } from '../db/pg-errors';
import { R4, R5, check, violationOf } from '../rules/rules';
import { Account } from '../accounts/account.entity';
import { AccountStatus } from '../accounts/account.enums';
import { ConflictKind } from '../conflicts/conflict.enums';
import { causeKey, openConflicts } from '../conflicts/conflict.ledger';
import { DomainErrorCode } from './domain.errors';
import { DomainMigration, MigrationStatus } from './domain-migration.entity';
import { domainFacts, findDomainsByName } from './domain.service';
import { asciiDomain } from './domain-name';

export type MigrationOutcome =
  { kind: 'started'; migration: DomainMigration; staleAccounts: Account[] } | { kind: 'refused'; errors: UserError[] };

/**
 * Accounts on these domains (stored names) that no SCIM record backs and that are still active:
 * during a migration away from a domain they are reviewed and suspended (rule R5).
 */
export async function staleAccounts(
  db: EntityManager | DataSource,
  organizationId: string,
  domainNames: string[],
): Promise<Account[]> {
  if (domainNames.length === 0) return [];
  return selectRows(
    db,
    Account,
    'staleAccounts',
    'organization_id = $1 AND email_domain = ANY($2::text[]) AND status = $3 AND NOT EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = account.id)',
    [organizationId, domainNames, AccountStatus.ACTIVE],
    { orderBy: 'lower(email)' },
  );
}

export const migrationMutations = {
  /**
   * Starts moving accounts from one domain to another once rule R4 holds (both verified and
   * claimed), and opens a STALE_EXTERNAL_ACCOUNT conflict for every account on the old domain
   * that no identity provider backs, for review or suspension (rule R5).
   */
  async start(m: MutationScope, input: { fromDomain: string; toDomain: string }): Promise<MigrationOutcome> {
    const [fromName, toName] = [asciiDomain(input.fromDomain), asciiDomain(input.toDomain)];
    if (fromName === toName) {
      return {
        kind: 'refused',
        errors: [userError(CommonErrorCode.INVALID_INPUT, 'A migration needs two different domains.', 'toDomain')],
      };
    }
    const domains = await findDomainsByName(m.tx, m.organizationId, [fromName, toName].filter(Boolean));
    const [from, to] = [domains.get(fromName), domains.get(toName)];
    const missing = [
      ...(from ? [] : [notFoundError('domain', 'fromDomain')]),
      ...(to ? [] : [notFoundError('domain', 'toDomain')]),
    ];
    if (!from || !to) return { kind: 'refused', errors: missing };
    const notReady = check(R4, { from: domainFacts(from), to: domainFacts(to) }, 'fromDomain');
    if (notReady) return { kind: 'refused', errors: [notReady] };

    const migration = m.tx.create(DomainMigration, {
      organizationId: m.organizationId,
      fromDomainId: from.id,
      toDomainId: to.id,
      status: MigrationStatus.IN_PROGRESS,
      startedBy: m.actor,
    });
    try {
      await savepoint(m.tx, () => m.tx.save(migration));
    } catch (error) {
      if (violatedUniqueConstraint(error) !== 'domain_migration_in_progress_key') throw error;
      return {
        kind: 'refused',
        errors: [
          userError(
            DomainErrorCode.MIGRATION_IN_PROGRESS,
            `A migration away from ${from.name} is already in progress.`,
            'fromDomain',
          ),
        ],
      };
    }
    const stale = await staleAccounts(m.tx, m.organizationId, [from.name]);
    await openConflicts(
      m,
      stale.map((account) => ({
        kind: ConflictKind.STALE_EXTERNAL_ACCOUNT,
        causeKey: causeKey.account(account.id),
        // Active, unbacked and on the old domain of a migration: R5 always finds these.
        summary: violationOf(R5, {
          email: account.email,
          status: account.status,
          backedByRecord: false,
          migration: { from: from.name, to: to.name },
        }),
        email: account.email,
        accountId: account.id,
        domainId: from.id,
      })),
    );
    await m.audit({
      targetType: 'DomainMigration',
      targetId: migration.id,
      before: null,
      after: {
        from: from.name,
        to: to.name,
        status: migration.status,
        staleAccounts: stale.map((account) => account.email),
      },
    });
    return { kind: 'started', migration, staleAccounts: stale };
  },
};
