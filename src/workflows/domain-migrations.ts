import { CommonErrorCode, notFoundError, userError, type UserError } from '../common/user-error';
import type { MutationScope } from '../db/transaction';
import { R4, R5, check, violationOf } from '../rules/rules';
import { ConflictKind } from '../conflicts/conflict.enums';
import { causeKey, openConflicts } from '../conflicts/conflict.ledger';
import { staleAccounts, type Account } from '../accounts';
import {
  DomainErrorCode,
  DomainStore,
  MigrationStatus,
  asciiDomain,
  domainFacts,
  findDomainsByName,
  type DomainMigration,
} from '../domains';

export type MigrationOutcome =
  { kind: 'started'; migration: DomainMigration; staleAccounts: Account[] } | { kind: 'refused'; errors: UserError[] };

/**
 * Starts moving accounts from one domain to another once rule R4 holds (both verified and
 * claimed), and opens a STALE_EXTERNAL_ACCOUNT conflict for every account on the old domain
 * that no identity provider backs, for review or suspension (rule R5).
 */
export async function startDomainMigration(
  m: MutationScope,
  input: { fromDomain: string; toDomain: string },
): Promise<MigrationOutcome> {
  const [fromName, toName] = [asciiDomain(input.fromDomain), asciiDomain(input.toDomain)];
  if (fromName === toName) {
    return {
      kind: 'refused',
      errors: [userError(CommonErrorCode.INVALID_INPUT, 'A migration needs two different domains.', 'toDomain')],
    };
  }
  const domains = await findDomainsByName(m.db, m.organizationId, [fromName, toName].filter(Boolean));
  const [from, to] = [domains.get(fromName), domains.get(toName)];
  const missing = [
    ...(from ? [] : [notFoundError('domain', 'fromDomain')]),
    ...(to ? [] : [notFoundError('domain', 'toDomain')]),
  ];
  if (!from || !to) return { kind: 'refused', errors: missing };
  const notReady = check(R4, { from: domainFacts(from), to: domainFacts(to) }, 'fromDomain');
  if (notReady) return { kind: 'refused', errors: [notReady] };

  const migration = await new DomainStore(m.db).insertMigration({
    organizationId: m.organizationId,
    fromDomainId: from.id,
    toDomainId: to.id,
    status: MigrationStatus.IN_PROGRESS,
    startedBy: m.actor,
  });
  if (!migration) {
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
  const stale = await staleAccounts(m.db, m.organizationId, [from.name]);
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
}
