import { hydrate } from '../db/hydrate';
import type { MutationScope } from '../db/transaction';
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

/** Where the statement that changes conflicts finds who changed them: its parameters' numbers. */
export interface EventParams {
  actor: number;
  action: number;
  requestId: number;
}

// Every statement below takes the scope's actor, action and request id first, as $1-$3.
const SCOPE_PARAMS: EventParams = { actor: 1, action: 2, requestId: 3 };
const scopeValues = (m: MutationScope) => [m.actor, m.action, m.requestId];

/**
 * The audit events of the conflicts a statement opened or closed, as one more data-modifying CTE
 * of that same statement: nothing changes a conflict's status without its event, and a rescan's
 * thousands of changes cost no extra round trip. `from` is a CTE of changed conflict rows (their
 * new state); `before` the status they all had, null when they were just opened.
 */
export function conflictEventsCte(
  from: string,
  before: ConflictStatus.OPEN | null,
  p: EventParams,
  where = 'true',
): string {
  return `INSERT INTO audit_event (organization_id, actor, action, target_type, target_id, "before", "after", request_id)
       SELECT organization_id, $${p.actor}::text, $${p.action}::text, 'Conflict', id,
              ${before === null ? 'NULL' : `jsonb_build_object('kind', kind, 'status', '${before}')`},
              jsonb_strip_nulls(jsonb_build_object('kind', kind, 'status', status, 'resolution', resolution)),
              $${p.requestId}::text
         FROM ${from} WHERE ${where}`;
}

/**
 * Opens a conflict, or refreshes the details of the one already OPEN for the same cause: the
 * partial unique index makes this a single idempotent statement, safe under concurrency. An
 * opening writes its audit event in the same statement.
 */
export async function openConflict(
  m: MutationScope,
  spec: ConflictSpec,
): Promise<{ conflict: Conflict; opened: boolean }> {
  const values = specValues(spec);
  const rows: Array<Record<string, unknown>> = await m.tx.query(
    `/* openConflict */ WITH upserted AS (
       INSERT INTO conflict AS c (organization_id, ${COLUMNS.join(', ')})
       VALUES ($4, ${values.map((_, i) => `$${i + 5}`).join(', ')})
       ${REFRESH_OPEN}
       RETURNING c.*, (xmax = 0) AS opened),
     logged AS (${conflictEventsCte('upserted', null, SCOPE_PARAMS, 'opened')})
     SELECT * FROM upserted`,
    [...scopeValues(m), m.organizationId, ...values],
  );
  if (rows.length > 0) return { conflict: hydrate(m.tx, Conflict, rows)[0], opened: rows[0].opened === true };
  // Already open with the same details: nothing to write.
  const existing = await m.tx.getRepository(Conflict).findOneByOrFail({
    organizationId: m.organizationId,
    kind: spec.kind,
    causeKey: spec.causeKey,
    status: ConflictStatus.OPEN,
  });
  return { conflict: existing, opened: false };
}

/**
 * openConflict for many causes in one statement; returns the conflicts it opened (not those
 * refreshed). `elsewhere`: in another organization's ledger (a verification's consequences),
 * whose audit events then name a system actor and no request id, as every cross-organization event.
 */
export async function openConflicts(
  m: MutationScope,
  specs: ConflictSpec[],
  elsewhere?: { organizationId: string; actor: `system:${string}` },
): Promise<Conflict[]> {
  // ON CONFLICT cannot change a row twice in one statement: one spec per cause, the last one's details winning as with successive openConflict calls.
  const unique = [...new Map(specs.map((spec) => [`${spec.kind}:${spec.causeKey}`, spec])).values()];
  if (unique.length === 0) return [];
  const rows = unique.map(specValues);
  const opened: Array<Record<string, unknown>> = await m.tx.query(
    `/* openConflicts */ WITH upserted AS (
       INSERT INTO conflict AS c (organization_id, ${COLUMNS.join(', ')})
       SELECT $4::uuid, * FROM unnest(${COLUMN_TYPES.map((type, i) => `$${i + 5}::${type}[]`).join(', ')})
       ${REFRESH_OPEN}
       RETURNING c.*, (xmax = 0) AS opened),
     logged AS (${conflictEventsCte('upserted', null, SCOPE_PARAMS, 'opened')})
     SELECT * FROM upserted WHERE opened`,
    [
      ...(elsewhere ? [elsewhere.actor, m.action, null] : scopeValues(m)),
      elsewhere?.organizationId ?? m.organizationId,
      ...COLUMNS.map((_, i) => rows.map((row) => row[i])),
    ],
  );
  return hydrate(m.tx, Conflict, opened);
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

/** Closes the selected OPEN conflicts as RESOLVED by the scope's action (rule R7 for resyncs), each with its audit event. */
export async function resolveConflicts(m: MutationScope, selector: ConflictSelector): Promise<Conflict[]> {
  const condition = where(m.organizationId, selector, 4);
  const rows: Array<Record<string, unknown>> = await m.tx.query(
    `/* resolveConflicts */ WITH resolved AS (
       UPDATE conflict SET status = 'RESOLVED', closed_at = now(), resolution = $2, closed_by = $1,
         actions_taken = array_append(actions_taken, $2), version = version + 1, updated_at = now()
       WHERE ${condition.sql} RETURNING *),
     logged AS (${conflictEventsCte('resolved', ConflictStatus.OPEN, SCOPE_PARAMS)})
     SELECT * FROM resolved`,
    [...scopeValues(m), ...condition.params],
  );
  return hydrate(m.tx, Conflict, rows);
}

/** Records a remediation step taken on the selected OPEN conflicts, which stay open (no status change, no event). */
export async function noteAction(m: MutationScope, selector: ConflictSelector): Promise<Conflict[]> {
  const condition = where(m.organizationId, selector, 2);
  // An UPDATE answers [rows, count].
  const [rows]: [Array<Record<string, unknown>>, number] = await m.tx.query(
    `/* noteConflictAction */ UPDATE conflict SET actions_taken = array_append(actions_taken, $1), version = version + 1, updated_at = now()
     WHERE ${condition.sql} RETURNING *`,
    [m.action, ...condition.params],
  );
  return hydrate(m.tx, Conflict, rows);
}

/**
 * A claim settles UNMANAGED_ACCOUNT conflicts, except where a SCIM record waits on the account:
 * those close when the record links and syncs (rule R7), and only record the step here. Returns
 * the ones it resolved, each with its audit event.
 */
export async function settleUnmanagedConflicts(m: MutationScope, accountIds: string[]): Promise<Conflict[]> {
  if (accountIds.length === 0) return [];
  const rows: Array<Record<string, unknown>> = await m.tx.query(
    `/* settleUnmanagedConflicts */ WITH settled AS (
       UPDATE conflict SET
         status = CASE WHEN scim_record_id IS NULL THEN 'RESOLVED' ELSE status END,
         closed_at = CASE WHEN scim_record_id IS NULL THEN now() END,
         resolution = CASE WHEN scim_record_id IS NULL THEN $2 END,
         closed_by = CASE WHEN scim_record_id IS NULL THEN $1 END,
         actions_taken = array_append(actions_taken, $2), version = version + 1, updated_at = now()
       WHERE organization_id = $4 AND status = 'OPEN' AND kind = 'UNMANAGED_ACCOUNT' AND account_id = ANY($5::uuid[])
       RETURNING *),
     logged AS (${conflictEventsCte('settled', ConflictStatus.OPEN, SCOPE_PARAMS, `status = 'RESOLVED'`)})
     SELECT * FROM settled WHERE status = 'RESOLVED'`,
    [...scopeValues(m), m.organizationId, accountIds],
  );
  return hydrate(m.tx, Conflict, rows);
}
