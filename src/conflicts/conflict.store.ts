import { sql, type Generated, type RawBuilder, type Selectable } from 'kysely';
import {
  as,
  tag,
  type Db,
  paginate,
  type Keyset,
  type Page,
  one,
  lockTenantRow,
  lockTenantRows,
  type Precompiled,
} from '../db';
import { isUuid } from '../common';
import { Conflict } from './conflict.entity';
import { ConflictStatus, type ConflictKind } from './conflict.enums';
import type { ConflictFilter } from './conflict.inputs';

interface ConflictTable {
  id: Generated<string>;
  organizationId: string;
  kind: ConflictKind;
  status: Generated<ConflictStatus>;
  causeKey: string;
  summary: string;
  email: string | null;
  accountId: string | null;
  conflictingAccountId: string | null;
  scimRecordId: string | null;
  directoryId: string | null;
  domainId: string | null;
  detectedAt: Generated<Date>;
  closedAt: Date | null;
  actionsTaken: Generated<string[]>;
  resolution: string | null;
  closedBy: string | null;
  dismissReason: string | null;
  causeClearedAt: Date | null;
  version: Generated<number>;
  updatedAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    conflict: ConflictTable;
  }
}

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

/** What the remediation of a conflict reads besides the conflict itself. */
export interface RemediationRow {
  id: string;
  holderIdpManaged: boolean;
  accountIdpManaged: boolean;
  recordLinked: boolean;
  domainId: string | null;
  domainName: string | null;
  domainStatus: string | null;
  ssoEmailAttribute: string | null;
  scimEmailAttribute: string | null;
  placeholdersInUse: string[];
}

/**
 * The lower-cased addresses in use (in any organization) of the placeholder series of the
 * address in `email` (an SQL expression), as the rename's first-free pick reads them; a
 * placeholder whose (possibly shortened) name is a prefix of the address's name counts. The
 * partial index account_placeholder_domain_idx has the LIKE condition as its predicate: keep them
 * equal, or each conflict filters every account on its domain again.
 */
export function placeholdersInUseOf(email: RawBuilder<unknown>): RawBuilder<string[]> {
  return sql<string[]>`(SELECT coalesce(array_agg(lower(p.email)), '{}') FROM account p
     WHERE p.email_domain = split_part(lower(${email}), '@', 2)
       AND lower(p.email) LIKE '%+duplicated%@%'
       AND starts_with(split_part(split_part(lower(${email}), '@', 1), '+', 1), split_part(lower(p.email), '+', 1)))`;
}

/**
 * Whether the cause `d` (a row with a conflict's kind, cause key and details) is held back by a
 * dismissal: the latest closed conflict of its cause (kind and cause key) was DISMISSED, its
 * cause has not been found gone since (`cause_cleared_at`), and it names the same facts (email,
 * accounts, record, directory, domain; for MAPPING_MISMATCH also the two attributes). A dismissal
 * holds while its cause is unchanged; once the cause resolves, or names other facts, the next
 * detection opens it anew. The one definition for every path that opens conflicts: the rescans
 * and the per-change openings (upsertOpen).
 */
function dismissalHolds(organizationId: string): RawBuilder<boolean> {
  return sql<boolean>`coalesce((
    SELECT x.status = 'DISMISSED' AND x.cause_cleared_at IS NULL AND ${sameFacts('x', 'd')}
      FROM conflict x
     WHERE x.organization_id = ${organizationId} AND x.kind = d.kind AND x.cause_key = d.cause_key
       AND x.status <> 'OPEN'
     ORDER BY x.closed_at DESC
     LIMIT 1), false)`;
}

/**
 * Whether the conflict rows `x` and `d` (of one cause) name the same facts: email, accounts,
 * record, directory, domain; for MAPPING_MISMATCH also the two attributes, which it names only in
 * its summary after the directory's name (the template's first slot): the summaries are compared
 * after the name, so renaming the directory changes no fact. (Attribute names hold no spaces, so
 * the tail decides both attributes.)
 */
function sameFacts(x: string, d: string): RawBuilder<boolean> {
  const [a, b] = [sql.table(x), sql.table(d)];
  const attributes = sql`(length(${b}.summary) - (SELECT length(n.name) FROM directory n WHERE n.id = ${b}.directory_id))`;
  return sql<boolean>`(lower(${a}.email), ${a}.account_id, ${a}.conflicting_account_id, ${a}.scim_record_id, ${a}.directory_id, ${a}.domain_id)
           IS NOT DISTINCT FROM (lower(${b}.email), ${b}.account_id, ${b}.conflicting_account_id, ${b}.scim_record_id, ${b}.directory_id, ${b}.domain_id)
       AND (${a}.kind <> 'MAPPING_MISMATCH' OR right(${a}.summary, ${attributes}) = right(${b}.summary, ${attributes}))`;
}

/**
 * ConflictFilter.email: the conflict's email, its account's or its holder's (case-insensitively).
 * The accounts by scalar arrays: index probes on the account's email, then on the conflict's columns.
 */
function conflictEmailMatches(organizationId: string, email: string): RawBuilder<boolean> {
  const accounts = sql`ARRAY(SELECT a.id FROM account a WHERE a.organization_id = ${organizationId}::uuid AND lower(a.email) = lower(${email}::text))`;
  return sql<boolean>`(lower(email) = lower(${email}::text) OR account_id = ANY(${accounts}) OR conflicting_account_id = ANY(${accounts}))`;
}

/** Newest first: the portal's queue shows what just broke at the top. */
export const CONFLICT_KEYSET: Keyset<Selectable<ConflictTable>> = {
  scope: 'conflicts',
  direction: 'desc',
  keys: [
    { property: 'detectedAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

/**
 * The organization's conflicts a filter keeps, no columns selected yet: the one list query of the
 * store's page and of the queue's planned read (which selects the columns it needs).
 */
export function conflictList(db: Db, organizationId: string, filter: ConflictFilter) {
  let query = db.selectFrom('conflict').where('organizationId', '=', organizationId);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.directoryId != null) {
    // Not a uuid: no conflict can match, and Postgres would refuse the cast.
    query = isUuid(filter.directoryId)
      ? query.where('directoryId', '=', filter.directoryId)
      : query.where(sql<boolean>`false`);
  }
  if (filter.email != null) query = query.where(conflictEmailMatches(organizationId, filter.email.trim()));
  return query;
}

/** The columns naming a conflict's related rows: its account, the holder, record, directory and domain. */
export const CONFLICT_RELATION_COLUMNS = [
  'account_id',
  'conflicting_account_id',
  'scim_record_id',
  'directory_id',
  'domain_id',
] as const;

const DETAILS = ['summary', 'email', ...CONFLICT_RELATION_COLUMNS] as const;

// The OPEN conflict for the same cause keeps its row; its details (and version) change only when they differ.
const REFRESH_OPEN = sql`ON CONFLICT (organization_id, kind, cause_key) WHERE status = 'OPEN'
     DO UPDATE SET ${sql.join(DETAILS.map((column) => sql`${sql.ref(column)} = EXCLUDED.${sql.ref(column)}`))},
       version = c.version + 1, updated_at = now()
       WHERE (${sql.join(DETAILS.map((column) => sql`c.${sql.ref(column)}`))})
             IS DISTINCT FROM (${sql.join(DETAILS.map((column) => sql`EXCLUDED.${sql.ref(column)}`))})`;

/**
 * The condition of a selector over OPEN conflicts of the organization (columns of `conflict`,
 * unqualified); `dismissed`: over its DISMISSED conflicts whose dismissal has not ended yet instead.
 */
function selected(organizationId: string, selector: ConflictSelector, dismissed = false): RawBuilder<boolean> {
  const conditions = [
    sql`organization_id = ${organizationId}`,
    dismissed ? sql`status = 'DISMISSED' AND cause_cleared_at IS NULL` : sql`status = 'OPEN'`,
  ];
  if (selector.ids) conditions.push(sql`id = ANY(${selector.ids}::uuid[])`);
  if (selector.kinds) conditions.push(sql`kind = ANY(${selector.kinds}::text[])`);
  if (selector.causeKeys) conditions.push(sql`cause_key = ANY(${selector.causeKeys}::text[])`);
  if (selector.scimRecordId) conditions.push(sql`scim_record_id = ${selector.scimRecordId}`);
  if (selector.accountId)
    conditions.push(sql`(account_id = ${selector.accountId} OR conflicting_account_id = ${selector.accountId})`);
  if (selector.conflictingAccountId) conditions.push(sql`conflicting_account_id = ${selector.conflictingAccountId}`);
  if (selector.directoryId) conditions.push(sql`directory_id = ${selector.directoryId}`);
  if (selector.emailDomain) conditions.push(sql`split_part(lower(email), '@', 2) = ${selector.emailDomain}`);
  if (selector.withoutRecord) conditions.push(sql`scim_record_id IS NULL`);
  return sql<boolean>`${sql.join(conditions, sql` AND `)}`;
}

const conflicts = (rows: ReadonlyArray<Record<string, unknown>>): Conflict[] =>
  as(
    Conflict,
    rows.map(({ opened: _opened, change: _change, ...row }) => row),
  );

/** Who changes conflicts, as their audit events name them. */
export interface ConflictActor {
  actor: string;
  action: string;
  requestId: string | null;
}

/**
 * The audit events of the conflicts a statement opened or closed, as one more data-modifying CTE
 * of that same statement: nothing changes a conflict's status without its event, and a rescan's
 * thousands of changes cost no extra round trip. `from` is a CTE of changed conflict rows (their
 * new state); `before` the status they all had, null when they were just opened.
 */
function conflictEvents(
  from: string,
  before: ConflictStatus.OPEN | null,
  who: ConflictActor,
  where: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  return sql`INSERT INTO audit_event (organization_id, actor, action, target_type, target_id, "before", "after", request_id)
       SELECT organization_id, ${who.actor}::text, ${who.action}::text, 'Conflict', id,
              ${before === null ? sql`NULL` : sql`jsonb_build_object('kind', kind, 'status', ${before}::text)`},
              jsonb_strip_nulls(jsonb_build_object('kind', kind, 'status', status, 'resolution', resolution)),
              ${who.requestId}::text
         FROM ${sql.table(from)} WHERE ${where}`;
}

/** What a rescan looks at: all of the organization, or some kinds and causes (a reconcile). */
export interface RescanScope {
  /** CTEs the detection and `causeKeys` read (the subjects of a change). */
  ctes?: RawBuilder<unknown>;
  /** Only conflicts of these kinds (`detected` selects only them too). */
  kinds?: readonly ConflictKind[];
  /** Only conflicts with these cause keys (a query of them; `detected` selects only them too). */
  causeKeys?: RawBuilder<unknown>;
}

/** A conflict a rescan opened or resolved, with which of the two. */
export type RescanRow = Record<string, unknown> & { change: 'opened' | 'resolved' };

const changes = (rows: readonly RescanRow[]) => {
  const changed = (change: RescanRow['change']) => conflicts(rows.filter((row) => row.change === change));
  return { opened: changed('opened'), resolved: changed('resolved') };
};

/**
 * The rescan statement: opens every `detected` conflict not open yet, resolves every open one in
 * scope that `detected` no longer selects, each change with its audit event. With `causeKeys` it
 * is a per-change reconcile (ConflictStore.reconcile), marked to run as a named statement.
 */
export function rescanStatement(
  organizationId: string,
  detected: RawBuilder<unknown>,
  who: ConflictActor,
  scope: RescanScope = {},
): RawBuilder<RescanRow> {
  const full = scope.kinds === undefined && scope.causeKeys === undefined;
  const name = full ? tag('detectConflicts') : tag('reconcileConflicts', { prepared: scope.causeKeys !== undefined });
  return sql<RescanRow>`${name} WITH ${scope.ctes ? sql`${scope.ctes},` : sql``}
     detected AS (${detected}),
     opened AS (
       INSERT INTO conflict (organization_id, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id)
       SELECT ${organizationId}::uuid, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id
         FROM detected d
        WHERE NOT ${dismissalHolds(organizationId)}
       ON CONFLICT (organization_id, kind, cause_key) WHERE status = 'OPEN' DO NOTHING
       RETURNING *),
     -- Open conflicts whose cause now names other facts (an account's new address, a record's new
     -- account): their details follow, so the queue and a later dismissal name what holds now.
     refreshed AS (
       UPDATE conflict c SET ${sql.join(DETAILS.map((column) => sql`${sql.ref(column)} = d.${sql.ref(column)}`))},
         version = c.version + 1, updated_at = now()
         FROM detected d
        WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN' AND c.kind = d.kind AND c.cause_key = d.cause_key
          AND NOT ${sameFacts('c', 'd')}),
     resolved AS (
       UPDATE conflict c SET status = 'RESOLVED', closed_at = now(), resolution = ${who.action}::text, closed_by = ${who.actor}::text,
         actions_taken = array_append(c.actions_taken, ${who.action}::text), version = c.version + 1, updated_at = now()
       WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN'
         AND ${scope.kinds ? sql`c.kind = ANY(${[...scope.kinds]}::text[])` : sql`true`}
         -- = ANY(ARRAY(...)): probes of the open-cause index, not a scan of every open conflict
         AND ${scope.causeKeys ? sql`c.cause_key = ANY(ARRAY(${scope.causeKeys}))` : sql`true`}
         AND (c.kind, c.cause_key) NOT IN (SELECT kind, cause_key FROM detected)
       RETURNING c.*),
     -- Dismissed conflicts in scope whose cause is gone: their dismissal ends (no status change, no event).
     cleared AS (
       UPDATE conflict c SET cause_cleared_at = now()
       WHERE c.organization_id = ${organizationId} AND c.status = 'DISMISSED' AND c.cause_cleared_at IS NULL
         AND ${scope.kinds ? sql`c.kind = ANY(${[...scope.kinds]}::text[])` : sql`true`}
         AND ${scope.causeKeys ? sql`c.cause_key IN (${scope.causeKeys})` : sql`true`}
         AND (c.kind, c.cause_key) NOT IN (SELECT kind, cause_key FROM detected)),
     opened_events AS (${conflictEvents('opened', null, who)}),
     resolved_events AS (${conflictEvents('resolved', ConflictStatus.OPEN, who)})
     SELECT 'opened' AS change, * FROM opened UNION ALL SELECT 'resolved' AS change, * FROM resolved`;
}

/** Every statement over the conflict ledger, on the `Db` it is given (the pool, or a mutation's transaction). */
export class ConflictStore {
  constructor(private readonly db: Db) {}

  /**
   * Opens conflicts, or refreshes the details of those already OPEN for the same causes, in one
   * idempotent statement (the partial unique index), each opening with its audit event. A cause
   * not open whose dismissal holds (dismissalHolds, as in the rescan) is not opened. Answers the
   * rows it wrote, `opened` telling an opening from a refresh; with `answerOpen` and one cause, that
   * cause's conflict too when already open with the same details as its snapshot saw it (`opened`
   * false; one opened by a transaction that committed since is not). A cause held by its
   * dismissal is never among them.
   */
  async upsertOpen(
    organizationId: string,
    specs: readonly ConflictSpec[],
    who: ConflictActor,
    name: string,
    /** One cause: also answer it when already open with the same details (see above). */
    answerOpen = false,
  ): Promise<Array<{ conflict: Conflict; opened: boolean }>> {
    if (specs.length === 0) return [];
    const open = answerOpen && specs.length === 1 ? specs[0] : null;
    const values = (pick: (spec: ConflictSpec) => string | null, type: 'text' | 'uuid') =>
      specs.length === 1 ? sql`${pick(specs[0])}::${sql.raw(type)}` : sql`${specs.map(pick)}::${sql.raw(type)}[]`;
    const row = sql.join([
      values((spec) => spec.kind, 'text'),
      values((spec) => spec.causeKey, 'text'),
      values((spec) => spec.summary, 'text'),
      values((spec) => spec.email ?? null, 'text'),
      values((spec) => spec.accountId ?? null, 'uuid'),
      values((spec) => spec.conflictingAccountId ?? null, 'uuid'),
      values((spec) => spec.scimRecordId ?? null, 'uuid'),
      values((spec) => spec.directoryId ?? null, 'uuid'),
      values((spec) => spec.domainId ?? null, 'uuid'),
    ]);
    // One cause (a push's) as a VALUES row, not unnest: a generic plan then also expects one row,
    // so the named statement is planned once per connection instead of on every push (0.8 ms of
    // Postgres CPU each: its custom plans, counting unnest's elements, always looked cheaper).
    const { rows } = await sql<
      Record<string, unknown> & { opened: boolean }
    >`${tag(name, { prepared: specs.length === 1 })} WITH upserted AS (
       INSERT INTO conflict AS c (organization_id, kind, cause_key, ${sql.join(DETAILS.map((d) => sql.ref(d)))})
       SELECT ${organizationId}::uuid, d.* FROM ${specs.length === 1 ? sql`(VALUES (${row}))` : sql`unnest(${row})`}
         AS d (kind, cause_key, ${sql.join(DETAILS.map((d) => sql.ref(d)))})
       -- An OPEN conflict of the cause is still refreshed; only a new opening waits on the dismissal.
       WHERE NOT ${dismissalHolds(organizationId)}
          OR EXISTS (SELECT 1 FROM conflict o WHERE o.organization_id = ${organizationId} AND o.kind = d.kind
                        AND o.cause_key = d.cause_key AND o.status = 'OPEN')
       ${REFRESH_OPEN}
       RETURNING c.*, (xmax = 0) AS opened),
     logged AS (${conflictEvents('upserted', null, who, sql`opened`)})
     SELECT * FROM upserted${
       // One cause already open with the same details (nothing written): what a repeated push would read next.
       open
         ? sql`
     UNION ALL
     SELECT c.*, false AS opened FROM conflict c
      WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN'
        AND c.kind = ${open.kind} AND c.cause_key = ${open.causeKey} AND NOT EXISTS (SELECT 1 FROM upserted)`
         : sql``
     }`.execute(this.db);
    return rows.map((row) => ({ conflict: conflicts([row])[0], opened: row.opened }));
  }

  /** The OPEN conflict of a cause. */
  async findOpen(organizationId: string, kind: ConflictKind, causeKey: string): Promise<Conflict | null> {
    const row = await this.db
      .selectFrom('conflict')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('kind', '=', kind)
      .where('causeKey', '=', causeKey)
      .where('status', '=', ConflictStatus.OPEN)
      .modifyEnd(tag('conflict:findOpen'))
      .executeTakeFirst();
    return one(Conflict, row);
  }

  /**
   * Closes the selected OPEN conflicts as RESOLVED by `who.action`, each with its audit event: their
   * cause is gone. So is the cause of the selected DISMISSED ones, whose dismissal ends (when the
   * cause comes back, it opens anew; no status change, no event).
   */
  async resolve(organizationId: string, selector: ConflictSelector, who: ConflictActor): Promise<Conflict[]> {
    const { rows } = await sql<Record<string, unknown>>`${tag('resolveConflicts')} WITH resolved AS (
       UPDATE conflict SET status = 'RESOLVED', closed_at = now(), resolution = ${who.action}::text,
         closed_by = ${who.actor}::text, actions_taken = array_append(actions_taken, ${who.action}::text),
         version = version + 1, updated_at = now()
       WHERE ${selected(organizationId, selector)} RETURNING *),
     logged AS (${conflictEvents('resolved', ConflictStatus.OPEN, who)}),
     cleared AS (UPDATE conflict SET cause_cleared_at = now() WHERE ${selected(organizationId, selector, true)})
     SELECT * FROM resolved`.execute(this.db);
    return conflicts(rows);
  }

  /** Records a remediation step on the selected OPEN conflicts, which stay open (no status change, no event). */
  async noteAction(organizationId: string, selector: ConflictSelector, action: string): Promise<Conflict[]> {
    const { rows } = await sql<Record<string, unknown>>`${tag('noteConflictAction')}
      UPDATE conflict SET actions_taken = array_append(actions_taken, ${action}::text), version = version + 1,
        updated_at = now()
      WHERE ${selected(organizationId, selector)} RETURNING *`.execute(this.db);
    return conflicts(rows);
  }

  /**
   * A claim settles UNMANAGED_ACCOUNT conflicts of these accounts, except where a SCIM record waits
   * on the account: those only record the step. Answers the ones it resolved, each with its event.
   */
  async settleUnmanaged(organizationId: string, accountIds: string[], who: ConflictActor): Promise<Conflict[]> {
    if (accountIds.length === 0) return [];
    const { rows } = await sql<Record<string, unknown>>`${tag('settleUnmanagedConflicts')} WITH settled AS (
       UPDATE conflict SET
         status = CASE WHEN scim_record_id IS NULL THEN 'RESOLVED' ELSE status END,
         closed_at = CASE WHEN scim_record_id IS NULL THEN now() END,
         resolution = CASE WHEN scim_record_id IS NULL THEN ${who.action}::text END,
         closed_by = CASE WHEN scim_record_id IS NULL THEN ${who.actor}::text END,
         actions_taken = array_append(actions_taken, ${who.action}::text), version = version + 1, updated_at = now()
       WHERE organization_id = ${organizationId} AND status = 'OPEN' AND kind = 'UNMANAGED_ACCOUNT'
         AND account_id = ANY(${accountIds}::uuid[])
       RETURNING *),
     logged AS (${conflictEvents('settled', ConflictStatus.OPEN, who, sql`status = 'RESOLVED'`)})
     SELECT * FROM settled WHERE status = 'RESOLVED'`.execute(this.db);
    return conflicts(rows);
  }

  /** A conflict of the organization, locked until the transaction ends; another organization's reads as absent. */
  async lock(organizationId: string, id: string, name: string): Promise<Conflict | null> {
    return lockTenantRow(this.db, 'conflict', Conflict, organizationId, id, name);
  }

  /** The organization's conflicts among `ids`, locked in id order (two bulk calls never wait on each other in a cycle). */
  async lockMany(organizationId: string, ids: string[], name: string): Promise<Conflict[]> {
    return lockTenantRows(this.db, 'conflict', Conflict, organizationId, ids, name);
  }

  /**
   * Closes conflicts as DISMISSED in one statement, however many (the caller holds their locks
   * and has checked that each is OPEN); answers each one's new version and times, by id.
   */
  async dismiss(
    ids: readonly string[],
    change: { closedBy: string; dismissReason: string; resolution: string },
  ): Promise<Array<{ id: string; version: number; updatedAt: Date; closedAt: Date | null; actionsTaken: string[] }>> {
    if (ids.length === 0) return [];
    return this.db
      .updateTable('conflict')
      .set({
        status: ConflictStatus.DISMISSED,
        closedAt: sql<Date>`now()`,
        closedBy: change.closedBy,
        dismissReason: change.dismissReason,
        resolution: change.resolution,
        actionsTaken: sql<string[]>`array_append(actions_taken, ${change.resolution}::text)`,
        version: sql<number>`version + 1`,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .returning(['id', 'version', 'updatedAt', 'closedAt', 'actionsTaken'])
      .modifyEnd(tag('conflict:dismiss'))
      .execute();
  }

  /** One page of the organization's conflicts, newest first. */
  async page(
    organizationId: string,
    filter: ConflictFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<Conflict>> {
    const page = await paginate(
      conflictList(this.db, organizationId, filter).selectAll(),
      CONFLICT_KEYSET,
      args,
      'conflicts',
    );
    return { ...page, nodes: as(Conflict, page.nodes) };
  }

  /**
   * The organization's conflicts naming these ids (`related`: the account on either side, the
   * record or the directory; `id`: the conflicts themselves), optionally of one status, newest first.
   */
  async naming(
    organizationId: string,
    related: 'id' | 'account' | 'scimRecord' | 'directory',
    ids: string[],
    status: ConflictStatus | undefined,
    name: string,
  ): Promise<Conflict[]> {
    let query = this.db.selectFrom('conflict').selectAll().where('organizationId', '=', organizationId);
    if (related === 'account')
      query = query.where((eb) => eb.or([eb('accountId', 'in', ids), eb('conflictingAccountId', 'in', ids)]));
    else
      query = query.where(
        related === 'id' ? 'id' : related === 'scimRecord' ? 'scimRecordId' : 'directoryId',
        'in',
        ids,
      );
    if (status) query = query.where('status', '=', status);
    const rows = await query.orderBy('detectedAt', 'desc').orderBy('id', 'desc').modifyEnd(tag(name)).execute();
    return as(Conflict, rows);
  }

  /** What remediation reads of these conflicts: who manages the accounts, the record's link, the domain and the mapping. */
  async remediationRows(organizationId: string, ids: string[]): Promise<RemediationRow[]> {
    const { rows } = await sql<RemediationRow>`${tag('loader:remediationFacts')}
      SELECT c.id,
             EXISTS (SELECT 1 FROM scim_record held WHERE held.account_id = c.conflicting_account_id) AS holder_idp_managed,
             EXISTS (SELECT 1 FROM scim_record own WHERE own.account_id = c.account_id) AS account_idp_managed,
             r.account_id IS NOT NULL AS record_linked,
             dom.id AS domain_id, dom.name AS domain_name, dom.status AS domain_status,
             dir.sso_email_attribute, dir.scim_email_attribute,
             ${placeholdersInUseOf(sql`c.email`)} AS placeholders_in_use
        FROM conflict c
        LEFT JOIN scim_record r ON r.id = c.scim_record_id
        LEFT JOIN directory dir ON dir.id = c.directory_id
        LEFT JOIN domain dom ON dom.organization_id = c.organization_id
              AND (dom.id = c.domain_id OR (c.domain_id IS NULL AND dom.name = split_part(lower(c.email), '@', 2)))
       WHERE c.id = ANY(${ids}::uuid[]) AND c.organization_id = ${organizationId}`.execute(this.db);
    return rows;
  }

  /**
   * The other organizations a change to a domain's status may move conflicts in: those holding
   * accounts on the name (one index probe per organization), or with open conflicts about an
   * address on it.
   */
  async organizationsOnDomain(exceptOrganizationId: string, domainName: string): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`${tag('organizationsOnDomain')}
      SELECT o.id FROM organization o
       WHERE o.id <> ${exceptOrganizationId}
         AND (EXISTS (SELECT 1 FROM account a WHERE a.organization_id = o.id AND a.email_domain = ${domainName})
              OR EXISTS (SELECT 1 FROM conflict c WHERE c.organization_id = o.id AND c.status = 'OPEN'
                            AND split_part(lower(c.email), '@', 2) = ${domainName}))
       ORDER BY o.id`.execute(this.db);
    return rows.map((row) => row.id);
  }

  /**
   * One rescan as one statement over one snapshot (see `rescanStatement`), of the whole
   * organization or of some kinds (a change that moves many conflicts at once). The full rescan
   * takes an advisory lock that keeps two rescans of one organization apart. A change's own
   * subjects go through `reconcile`.
   */
  async rescan(
    organizationId: string,
    detected: RawBuilder<unknown>,
    who: ConflictActor,
    kinds?: readonly ConflictKind[],
  ): Promise<{ opened: Conflict[]; resolved: Conflict[] }> {
    if (kinds === undefined) {
      await sql`${tag('detectConflicts:lock')} SELECT pg_advisory_xact_lock(hashtext('detectConflicts:' || ${organizationId}::text))`.execute(
        this.db,
      );
      // Enough memory to hash the detected set: with the default 4 MB, resolving compares every open
      // conflict against every detected row (measured: 1.6 s at 5,000 open conflicts; 20 ms hashed).
      await sql`SET LOCAL work_mem = '64MB'`.execute(this.db);
    }
    const { rows } = await rescanStatement(organizationId, detected, who, { kinds }).execute(this.db);
    return changes(rows);
  }

  /**
   * A per-change reconcile: a rescan scoped to a change's subjects (a relation of its CTEs), built
   * and compiled once per shape (`Precompiled`), run with this change's values. Its text is fixed
   * (the subjects are parameters), and planning its many small branches cost several times its
   * execution (measured at 100,000 accounts: 8.5 ms of Postgres CPU planned each time, 2.0 ms with
   * the plan cached). So it runs as a named statement with a generic plan: every branch is an index
   * probe for the change's subjects, whatever their values. plan_cache_mode also applies to
   * unnamed statements, hence set for this statement only. It relies on the partial unique index
   * where a concurrent change opens the same conflict.
   */
  async reconcile<Args extends object>(
    statement: Precompiled<Args, RescanRow>,
    args: Args,
  ): Promise<{ opened: Conflict[]; resolved: Conflict[] }> {
    await sql`SET LOCAL plan_cache_mode = force_generic_plan ${tag('reconcileConflicts:genericPlan')}`.execute(this.db);
    const rows = await statement.execute(this.db, args);
    await sql`SET LOCAL plan_cache_mode = DEFAULT ${tag('reconcileConflicts:defaultPlan')}`.execute(this.db);
    return changes(rows);
  }
}
