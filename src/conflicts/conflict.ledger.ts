import type { EntityManager } from 'typeorm';
import { hydrate } from '../db/hydrate';
import { Conflict } from './conflict.entity';
import { ConflictKind, ConflictStatus } from './conflict.enums';

/** What identifies and describes a conflict when it is raised. */
export interface ConflictSpec {
  kind: ConflictKind;
  causeKey: string;
  summary: string;
  email?: string | null;
  accountId?: string | null;
  conflictingAccountId?: string | null;
  scimRecordId?: string | null;
  directoryId?: string | null;
  domainId?: string | null;
}

/** Which OPEN conflicts an action touches: all given conditions must hold. */
export interface ConflictSelector {
  ids?: string[];
  kinds?: ConflictKind[];
  causeKeys?: string[];
  scimRecordId?: string;
  /** Either side: the record's account or the one holding the email. */
  accountId?: string;
  conflictingAccountId?: string;
  directoryId?: string;
  /** Those whose email is on this domain (stored form). */
  emailDomain?: string;
  /** Only those with no SCIM record waiting on them. */
  withoutRecord?: boolean;
}

export const causeKey = {
  record: (id: string) => `record:${id}`,
  directory: (id: string) => `directory:${id}`,
  account: (id: string) => `account:${id}`,
  email: (email: string) => `email:${email.toLowerCase()}`,
  externalId: (externalId: string) => `externalId:${externalId}`,
};

const COLUMNS = [
  'kind',
  'cause_key',
  'summary',
  'email',
  'account_id',
  'conflicting_account_id',
  'scim_record_id',
  'directory_id',
  'domain_id',
];
const COLUMN_TYPES = ['text', 'text', 'text', 'text', 'uuid', 'uuid', 'uuid', 'uuid', 'uuid'];
const DETAILS = COLUMNS.slice(2);

// The OPEN conflict for the same cause keeps its row; its details (and version) change only when they differ.
const REFRESH_OPEN = `ON CONFLICT (organization_id, kind, cause_key) WHERE status = 'OPEN'
     DO UPDATE SET ${DETAILS.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}, version = c.version + 1, updated_at = now()
       WHERE (${DETAILS.map((column) => `c.${column}`).join(', ')}) IS DISTINCT FROM (${DETAILS.map((column) => `EXCLUDED.${column}`).join(', ')})`;

const specValues = (spec: ConflictSpec) => [
  spec.kind,
  spec.causeKey,
  spec.summary,
  spec.email ?? null,
  spec.accountId ?? null,
  spec.conflictingAccountId ?? null,
  spec.scimRecordId ?? null,
  spec.directoryId ?? null,
  spec.domainId ?? null,
];

/**
 * Opens a conflict, or refreshes the details of the one already OPEN for the same cause: the
 * partial unique index makes this a single idempotent statement, safe under concurrency.
 */
export async function openConflict(
  tx: EntityManager,
  organizationId: string,
  spec: ConflictSpec,
): Promise<{ conflict: Conflict; opened: boolean }> {
  const values = specValues(spec);
  const rows: Array<Record<string, unknown>> = await tx.query(
    `/* openConflict */ INSERT INTO conflict AS c (organization_id, ${COLUMNS.join(', ')})
     VALUES ($1, ${values.map((_, i) => `$${i + 2}`).join(', ')})
     ${REFRESH_OPEN}
     RETURNING c.*, (xmax = 0) AS opened`,
    [organizationId, ...values],
  );
  if (rows.length > 0) return { conflict: hydrate(tx, Conflict, rows)[0], opened: rows[0].opened === true };
  // Already open with the same details: nothing to write.
  const existing = await tx
    .getRepository(Conflict)
    .findOneByOrFail({ organizationId, kind: spec.kind, causeKey: spec.causeKey, status: ConflictStatus.OPEN });
  return { conflict: existing, opened: false };
}

/** openConflict for many causes in one statement, for callers that do not read the conflicts back. */
export async function openConflicts(tx: EntityManager, organizationId: string, specs: ConflictSpec[]): Promise<void> {
  // ON CONFLICT cannot change a row twice in one statement: one spec per cause, the last one's details winning as with successive openConflict calls.
  const unique = [...new Map(specs.map((spec) => [`${spec.kind}:${spec.causeKey}`, spec])).values()];
  if (unique.length === 0) return;
  const rows = unique.map(specValues);
  await tx.query(
    `/* openConflicts */ INSERT INTO conflict AS c (organization_id, ${COLUMNS.join(', ')})
     SELECT $1::uuid, * FROM unnest(${COLUMN_TYPES.map((type, i) => `$${i + 2}::${type}[]`).join(', ')})
     ${REFRESH_OPEN}`,
    [organizationId, ...COLUMNS.map((_, i) => rows.map((row) => row[i]))],
  );
}

function where(
  organizationId: string,
  selector: ConflictSelector,
  firstParam: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [organizationId];
  const conditions = [`organization_id = $${firstParam}`, `status = 'OPEN'`];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${firstParam + params.length - 1}`));
  };
  if (selector.ids) add((p) => `id = ANY(${p}::uuid[])`, selector.ids);
  if (selector.kinds) add((p) => `kind = ANY(${p}::text[])`, selector.kinds);
  if (selector.causeKeys) add((p) => `cause_key = ANY(${p}::text[])`, selector.causeKeys);
  if (selector.scimRecordId) add((p) => `scim_record_id = ${p}`, selector.scimRecordId);
  if (selector.accountId) add((p) => `(account_id = ${p} OR conflicting_account_id = ${p})`, selector.accountId);
  if (selector.conflictingAccountId) add((p) => `conflicting_account_id = ${p}`, selector.conflictingAccountId);
  if (selector.directoryId) add((p) => `directory_id = ${p}`, selector.directoryId);
  if (selector.emailDomain) add((p) => `split_part(lower(email), '@', 2) = ${p}`, selector.emailDomain);
  if (selector.withoutRecord) conditions.push('scim_record_id IS NULL');
  return { sql: conditions.join(' AND '), params };
}

/** Closes the selected OPEN conflicts as RESOLVED by `action` (rule R7 for resyncs). */
export async function resolveConflicts(
  tx: EntityManager,
  organizationId: string,
  selector: ConflictSelector,
  action: string,
  actor: string,
): Promise<Conflict[]> {
  const condition = where(organizationId, selector, 3);
  const rows = await tx.query(
    `/* resolveConflicts */ UPDATE conflict SET status = 'RESOLVED', closed_at = now(), resolution = $1, closed_by = $2,
       actions_taken = array_append(actions_taken, $1), version = version + 1, updated_at = now()
     WHERE ${condition.sql} RETURNING *`,
    [action, actor, ...condition.params],
  );
  return hydrate(tx, Conflict, rows[0] ?? []);
}

/** Records a remediation step taken on the selected OPEN conflicts, which stay open. */
export async function noteAction(
  tx: EntityManager,
  organizationId: string,
  selector: ConflictSelector,
  action: string,
): Promise<Conflict[]> {
  const condition = where(organizationId, selector, 2);
  const rows = await tx.query(
    `/* noteConflictAction */ UPDATE conflict SET actions_taken = array_append(actions_taken, $1), version = version + 1, updated_at = now()
     WHERE ${condition.sql} RETURNING *`,
    [action, ...condition.params],
  );
  return hydrate(tx, Conflict, rows[0] ?? []);
}

/**
 * A claim settles UNMANAGED_ACCOUNT conflicts, except where a SCIM record waits on the account:
 * those close when the record links and syncs (rule R7), and only record the step here.
 */
export async function settleUnmanagedConflicts(
  tx: EntityManager,
  organizationId: string,
  accountIds: string[],
  action: string,
  actor: string,
): Promise<void> {
  if (accountIds.length === 0) return;
  await tx.query(
    `/* settleUnmanagedConflicts */ UPDATE conflict SET
       status = CASE WHEN scim_record_id IS NULL THEN 'RESOLVED' ELSE status END,
       closed_at = CASE WHEN scim_record_id IS NULL THEN now() END,
       resolution = CASE WHEN scim_record_id IS NULL THEN $3 END,
       closed_by = CASE WHEN scim_record_id IS NULL THEN $4 END,
       actions_taken = array_append(actions_taken, $3), version = version + 1, updated_at = now()
     WHERE organization_id = $1 AND status = 'OPEN' AND kind = 'UNMANAGED_ACCOUNT' AND account_id = ANY($2::uuid[])`,
    [organizationId, accountIds, action, actor],
  );
}
