import { sql, type Generated, type RawBuilder } from 'kysely';
import { as, tag, type Db } from '../db/kysely';
import { Conflict } from './conflict.entity';
import { ConflictStatus, type ConflictKind } from './conflict.enums';

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
  version: Generated<number>;
  updatedAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    conflict: ConflictTable;
  }
}

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

type ChangedRow = Record<string, unknown> & { change: 'opened' | 'resolved' };

/** Every statement over the conflict ledger, on the `Db` it is given (the pool, or a mutation's transaction). */
export class ConflictStore {
  constructor(private readonly db: Db) {}

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
   * One rescan as one statement over one snapshot: opens every `detected` conflict not open yet,
   * resolves every open one in scope that `detected` no longer selects, each change with its audit
   * event. The full rescan (no scope) takes an advisory lock that keeps two rescans of one
   * organization apart; a scoped one (a per-change reconcile) relies on the partial unique index.
   */
  async rescan(
    organizationId: string,
    detected: RawBuilder<unknown>,
    who: ConflictActor,
    scope: {
      /** CTEs the detection and `causeKeys` read (the subjects of a change). */
      ctes?: RawBuilder<unknown>;
      /** Only conflicts of these kinds (`detected` selects only them too). */
      kinds?: readonly ConflictKind[];
      /** Only conflicts with these cause keys (a query of them; `detected` selects only them too). */
      causeKeys?: RawBuilder<unknown>;
    } = {},
  ): Promise<{ opened: Conflict[]; resolved: Conflict[] }> {
    const full = scope.kinds === undefined && scope.causeKeys === undefined;
    if (full) {
      await sql`${tag('detectConflicts:lock')} SELECT pg_advisory_xact_lock(hashtext('detectConflicts:' || ${organizationId}::text))`.execute(
        this.db,
      );
      // Enough memory to hash the detected set: with the default 4 MB, resolving compares every open
      // conflict against every detected row (measured: 1.6 s at 5,000 open conflicts; 20 ms hashed).
      await sql`SET LOCAL work_mem = '64MB'`.execute(this.db);
    }
    const { rows } =
      await sql<ChangedRow>`${tag(full ? 'detectConflicts' : 'reconcileConflicts')} WITH ${scope.ctes ? sql`${scope.ctes},` : sql``}
     detected AS (${detected}),
     opened AS (
       INSERT INTO conflict (organization_id, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id)
       SELECT ${organizationId}::uuid, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id
         FROM detected
       ON CONFLICT (organization_id, kind, cause_key) WHERE status = 'OPEN' DO NOTHING
       RETURNING *),
     resolved AS (
       UPDATE conflict c SET status = 'RESOLVED', closed_at = now(), resolution = ${who.action}::text, closed_by = ${who.actor}::text,
         actions_taken = array_append(c.actions_taken, ${who.action}::text), version = c.version + 1, updated_at = now()
       WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN'
         AND ${scope.kinds ? sql`c.kind = ANY(${[...scope.kinds]}::text[])` : sql`true`}
         AND ${scope.causeKeys ? sql`c.cause_key IN (${scope.causeKeys})` : sql`true`}
         AND (c.kind, c.cause_key) NOT IN (SELECT kind, cause_key FROM detected)
       RETURNING c.*),
     opened_events AS (${conflictEvents('opened', null, who)}),
     resolved_events AS (${conflictEvents('resolved', ConflictStatus.OPEN, who)})
     SELECT 'opened' AS change, * FROM opened UNION ALL SELECT 'resolved' AS change, * FROM resolved`.execute(this.db);
    const conflicts = (change: ChangedRow['change']) =>
      as(
        Conflict,
        rows.filter((row) => row.change === change).map(({ change: _, ...row }) => row),
      );
    return { opened: conflicts('opened'), resolved: conflicts('resolved') };
  }
}
