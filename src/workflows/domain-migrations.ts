import { CommonErrorCode, userError, type UserError, lockedAsExpected } from '../common';
import type { MutationScope } from '../db';
import { R4, R5, check, violationOf, type DomainFacts } from '../rules';
import { ConflictKind, causeKey, openConflicts, reconcileConflicts, resolveConflicts } from '../conflicts';
import { staleAccounts, type Account } from '../accounts';
import {
  type Domain,
  DomainErrorCode,
  DomainStore,
  MigrationStatus,
  asciiDomain,
  domainFacts,
  findDomainsByName,
  type DomainMigration,
} from '../domains';

export type MigrationOutcome =
  | { kind: 'started' | 'ended'; migration: DomainMigration; staleAccounts: Account[] }
  | { kind: 'refused'; errors: UserError[]; migration?: DomainMigration | null; staleAccounts?: Account[] };

/** Rule R4 for each domain of a migration apart, so each refusal names its own argument. */
function readinessErrors(from: Domain, to: Domain, fields: { from: string; to: string }): UserError[] {
  const ready = (facts: DomainFacts): DomainFacts => ({ ...facts, status: 'VERIFIED', claimed: true });
  const [fromFacts, toFacts] = [domainFacts(from), domainFacts(to)];
  return [
    check(R4, { from: fromFacts, to: ready(toFacts) }, fields.from),
    check(R4, { from: ready(fromFacts), to: toFacts }, fields.to),
  ].filter((error) => error !== null);
}

const unknownDomain = (name: string, field: string) =>
  userError(CommonErrorCode.NOT_FOUND, `No domain named ${name} in your organization.`, field);

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
    ...(from ? [] : [unknownDomain(input.fromDomain.trim(), 'fromDomain')]),
    ...(to ? [] : [unknownDomain(input.toDomain.trim(), 'toDomain')]),
  ];
  if (!from || !to) return { kind: 'refused', errors: missing };
  const notReady = readinessErrors(from, to, { from: 'fromDomain', to: 'toDomain' });
  if (notReady.length > 0) return { kind: 'refused', errors: notReady };

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
        onVerifiedDomain: true,
        domainVerifiedElsewhere: false,
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

/**
 * What still stands between an IN_PROGRESS migration and its end, each with the part of the
 * migration it is about: both domains verified and claimed (rule R4, fields fromDomain and
 * toDomain), no active account left on the old domain that no identity provider backs (rule R5,
 * staleAccounts), and no OPEN conflict the migration opened (conflicts).
 */
async function completionErrors(
  m: MutationScope,
  migration: DomainMigration,
  from: Domain,
  to: Domain,
  stale: Account[],
): Promise<UserError[]> {
  const errors = readinessErrors(from, to, { from: 'fromDomain', to: 'toDomain' });
  const list = (emails: string[]) =>
    emails.length <= 5 ? emails.join(', ') : `${emails.slice(0, 5).join(', ')} and ${emails.length - 5} more`;
  if (stale.length > 0) {
    errors.push(
      userError(
        DomainErrorCode.MIGRATION_NOT_READY,
        `${stale.length} active account(s) on ${from.name} that no identity provider backs: ${list(stale.map((a) => a.email))}. Suspend or deactivate them, or move them to ${to.name}.`,
        'staleAccounts',
        R5.id,
      ),
    );
  }
  const open = await new DomainStore(m.db).openConflictsOfMigration(m.organizationId, migration.fromDomainId);
  if (open.length > 0) {
    errors.push(
      userError(
        DomainErrorCode.MIGRATION_NOT_READY,
        `${open.length} open STALE_EXTERNAL_ACCOUNT conflict(s) of this migration: ${list(open.map((c) => c.email ?? c.id))}. Resolve or dismiss them.`,
        'conflicts',
        R5.id,
      ),
    );
  }
  return errors;
}

/**
 * Ends an IN_PROGRESS migration: COMPLETED only when nothing stands in the way (completionErrors
 * says what does), or CANCELLED at any time, which resolves the STALE_EXTERNAL_ACCOUNT conflicts
 * it opened (without a migration, rule R5 no longer finds them, unless the old domain lost its
 * proof: those accounts are external then, and their conflict opens again in those words).
 */
export async function endDomainMigration(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
  status: MigrationStatus.COMPLETED | MigrationStatus.CANCELLED,
): Promise<MigrationOutcome> {
  const store = new DomainStore(m.db);
  const locked = lockedAsExpected(
    await store.lockMigration(m.organizationId, input.id, m.action),
    input.expectedVersion,
    'domain migration',
    'id',
  );
  if (locked.refusal) return { kind: 'refused', errors: [locked.refusal], migration: locked.row };
  const migration = locked.row;
  if (migration.status !== MigrationStatus.IN_PROGRESS) {
    const error = userError(
      DomainErrorCode.MIGRATION_ENDED,
      `This migration is already ${migration.status}; only an IN_PROGRESS migration can be completed or cancelled.`,
      'id',
    );
    return { kind: 'refused', errors: [error], migration };
  }
  const domains = await store.byIds(m.organizationId, [migration.fromDomainId, migration.toDomainId]);
  const byId = new Map(domains.map((domain) => [domain.id, domain]));
  const [from, to] = [byId.get(migration.fromDomainId), byId.get(migration.toDomainId)];
  // Foreign keys with ON DELETE CASCADE: a migration never outlives its domains.
  if (!from || !to) throw new Error(`migration ${migration.id} lost a domain`);
  const before = { from: from.name, to: to.name, status: migration.status };

  let cancelled: string[] = [];
  if (status === MigrationStatus.COMPLETED) {
    const left = await staleAccounts(m.db, m.organizationId, [from.name]);
    const errors = await completionErrors(m, migration, from, to, left);
    if (errors.length > 0) return { kind: 'refused', errors, migration, staleAccounts: left };
  } else {
    const open = await store.openConflictsOfMigration(m.organizationId, migration.fromDomainId);
    if (open.length > 0) {
      const resolved = await resolveConflicts(m, {
        ids: open.map((c) => c.id),
        kinds: [ConflictKind.STALE_EXTERNAL_ACCOUNT],
      });
      cancelled = resolved.flatMap((conflict) => (conflict.accountId ? [conflict.accountId] : []));
    }
  }
  await store.endMigration(migration, status);
  if (status === MigrationStatus.CANCELLED) {
    // Outside the migration, the accounts it held a conflict for, and those left on the old domain,
    // are external when that domain lost its proof meanwhile (rule R5, in those words); on a domain
    // still verified, they are not.
    const left = (await staleAccounts(m.db, m.organizationId, [from.name])).map((account) => account.id);
    const accountIds = [...new Set([...left, ...cancelled])];
    if (accountIds.length > 0) {
      await reconcileConflicts(m, { accountIds }, [ConflictKind.STALE_EXTERNAL_ACCOUNT]);
    }
  }
  await m.audit({
    targetType: 'DomainMigration',
    targetId: migration.id,
    before,
    after: { from: from.name, to: to.name, status: migration.status },
  });
  return { kind: 'ended', migration, staleAccounts: [] };
}
