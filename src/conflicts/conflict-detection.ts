import { hydrate } from '../db/hydrate';
import type { MutationScope } from '../db/transaction';
import { Conflict } from './conflict.entity';
import { ConflictStatus } from './conflict.enums';
import { conflictEventsCte } from './conflict.ledger';
import { EMAIL_UNAVAILABLE_SUMMARY, SUMMARY_TEMPLATES } from './conflict-summaries';

export interface DetectionResult {
  opened: Conflict[];
  resolved: Conflict[];
}

/**
 * Every conflict the organization's current state implies, as one set-based query (no loop per
 * row): the same conditions as the per-push paths, with the same summary templates.
 */
// The stray first: the record whose account does not have the email it wants, then the newest account.
const STRAY_FIRST = `(array_agg(a.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[1],
         (array_agg(a.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[2],
         (array_agg(r.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[1], NULL::uuid, NULL::uuid`;

const DETECTED = `
  WITH verified AS (SELECT id, name FROM domain WHERE organization_id = $1 AND status = 'VERIFIED'),
       -- Rule R8: domains another organization verified; their addresses are not this one's to take or keep.
       elsewhere AS (SELECT name FROM domain WHERE organization_id <> $1 AND status = 'VERIFIED')
  SELECT 'MAPPING_MISMATCH'::text AS kind, 'directory:' || d.id AS cause_key,
         format($2, d.name, d.sso_email_attribute, d.scim_email_attribute) AS summary,
         NULL::text AS email, NULL::uuid AS account_id, NULL::uuid AS conflicting_account_id,
         NULL::uuid AS scim_record_id, d.id AS directory_id, NULL::uuid AS domain_id
    FROM directory d
   WHERE d.organization_id = $1 AND lower(trim(d.sso_email_attribute)) <> lower(trim(d.scim_email_attribute))
  UNION ALL
  -- Unmanaged accounts on verified domains, and unmanaged accounts a pending record waits on.
  SELECT 'UNMANAGED_ACCOUNT', 'account:' || a.id, format($3, a.email, a.email_domain),
         a.email, a.id, NULL, w.id, w.directory_id, v.id
    FROM account a
    LEFT JOIN verified v ON v.name = a.email_domain
    LEFT JOIN LATERAL (SELECT r.id, r.directory_id FROM scim_record r
                        WHERE r.organization_id = $1 AND r.account_id IS NULL AND lower(r.email) = lower(a.email)
                        ORDER BY r.created_at LIMIT 1) w ON true
   WHERE a.organization_id = $1 AND NOT a.managed AND a.status <> 'DEACTIVATED'
     -- A record does not wait on an address another organization's domain owns: it fails (rule R8).
     AND (v.id IS NOT NULL OR (w.id IS NOT NULL AND a.email_domain NOT IN (SELECT name FROM elsewhere)))
  UNION ALL
  SELECT 'UNVERIFIED_DOMAIN', 'record:' || r.id, format($4, dir.name, r.email, split_part(lower(r.email), '@', 2)),
         r.email, r.account_id, NULL, r.id, r.directory_id, dom.id
    FROM scim_record r
    JOIN directory dir ON dir.id = r.directory_id
    LEFT JOIN domain dom ON dom.organization_id = $1 AND dom.name = split_part(lower(r.email), '@', 2)
   WHERE r.organization_id = $1 AND r.email IS NOT NULL AND (dom.id IS NULL OR dom.status <> 'VERIFIED')
  UNION ALL
  -- A record wants an email another account holds, or one on a domain verified elsewhere (rule
  -- R8, worded the same as a holder outside); an unlinked record whose holder it could link
  -- (managed) or waits on (unmanaged) is not in conflict. Only records whose account lacks the
  -- wanted email are candidates, so the holder lookup uses the unique email index.
  SELECT 'EMAIL_TAKEN', 'record:' || r.id,
         CASE WHEN h.organization_id = $1 AND e.name IS NULL
              THEN format($5, dir.name, coalesce(r.account_email, r.user_name), r.email, h.email)
              ELSE format($9, dir.name, coalesce(r.account_email, r.user_name), r.email) END,
         r.email, r.account_id, CASE WHEN h.organization_id = $1 AND e.name IS NULL THEN h.id END, r.id, r.directory_id, dom.id
    FROM (SELECT r.*, a.email AS account_email FROM scim_record r LEFT JOIN account a ON a.id = r.account_id
           WHERE r.organization_id = $1 AND r.email IS NOT NULL AND (a.id IS NULL OR lower(a.email) <> lower(r.email))) r
    LEFT JOIN account h ON lower(h.email) = lower(r.email)
    LEFT JOIN elsewhere e ON e.name = split_part(lower(r.email), '@', 2)
    JOIN directory dir ON dir.id = r.directory_id
    LEFT JOIN domain dom ON dom.organization_id = $1 AND dom.name = split_part(lower(r.email), '@', 2)
   WHERE (h.id IS NOT NULL OR e.name IS NOT NULL)
     AND NOT (e.name IS NULL AND r.account_id IS NULL AND h.organization_id = $1
              AND (NOT h.managed OR NOT EXISTS (SELECT 1 FROM scim_record o WHERE o.directory_id = r.directory_id AND o.account_id = h.id)))
  UNION ALL
  -- One person, several accounts: the same wanted email, or the same externalId, on different
  -- accounts. Keys are found by hashing (no sort of every record); details only for those keys.
  SELECT 'DUPLICATE_ACCOUNTS', 'email:' || e.key, format($6, e.key, count(DISTINCT a.id), string_agg(DISTINCT a.email, ', ')),
         e.key, ${STRAY_FIRST}
    FROM (SELECT lower(email) AS key FROM scim_record WHERE organization_id = $1 AND email IS NOT NULL AND account_id IS NOT NULL
           GROUP BY lower(email) HAVING min(account_id::text) <> max(account_id::text)) e
    JOIN scim_record r ON r.organization_id = $1 AND r.account_id IS NOT NULL AND lower(r.email) = e.key
    JOIN account a ON a.id = r.account_id
   GROUP BY e.key
  UNION ALL
  SELECT 'DUPLICATE_ACCOUNTS', 'externalId:' || x.key, format($6, 'externalId ' || x.key, count(DISTINCT a.id), string_agg(DISTINCT a.email, ', ')),
         NULL, ${STRAY_FIRST}
    FROM (SELECT external_id AS key FROM scim_record WHERE organization_id = $1 AND external_id IS NOT NULL AND account_id IS NOT NULL
           GROUP BY external_id HAVING min(account_id::text) <> max(account_id::text)) x
    JOIN scim_record r ON r.organization_id = $1 AND r.account_id IS NOT NULL AND r.external_id = x.key
    JOIN account a ON a.id = r.account_id
   GROUP BY x.key
  UNION ALL
  SELECT 'STALE_EXTERNAL_ACCOUNT', 'account:' || a.id, format($7, a.email, f.name, t.name),
         a.email, a.id, NULL, NULL, NULL, f.id
    FROM domain_migration mg
    JOIN domain f ON f.id = mg.from_domain_id
    JOIN domain t ON t.id = mg.to_domain_id
    JOIN account a ON a.organization_id = $1 AND a.email_domain = f.name AND a.status = 'ACTIVE'
   WHERE mg.organization_id = $1 AND mg.status = 'IN_PROGRESS'
     AND NOT EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = a.id)
  UNION ALL
  -- Rule R8, holder side: an address (held since before the verification) on a domain another organization verified.
  SELECT 'DOMAIN_OWNED_ELSEWHERE', 'account:' || a.id, format($8, a.email, a.email_domain),
         a.email, a.id, NULL, NULL, NULL, own.id
    FROM account a
    JOIN elsewhere e ON e.name = a.email_domain
    LEFT JOIN domain own ON own.organization_id = $1 AND own.name = a.email_domain
   WHERE a.organization_id = $1 AND a.status <> 'DEACTIVATED'`;

// After the organization ($1) and the templates ($2-$9).
const EVENT_PARAMS = { action: 10, actor: 11, requestId: 12 };

const TEMPLATES = [
  SUMMARY_TEMPLATES.MAPPING_MISMATCH,
  SUMMARY_TEMPLATES.UNMANAGED_ACCOUNT,
  SUMMARY_TEMPLATES.UNVERIFIED_DOMAIN,
  SUMMARY_TEMPLATES.EMAIL_TAKEN,
  SUMMARY_TEMPLATES.DUPLICATE_ACCOUNTS,
  SUMMARY_TEMPLATES.STALE_EXTERNAL_ACCOUNT,
  SUMMARY_TEMPLATES.DOMAIN_OWNED_ELSEWHERE,
  EMAIL_UNAVAILABLE_SUMMARY,
];

/**
 * Rescans an organization: opens what its state implies and is not open yet, and resolves open
 * conflicts whose cause is gone, each change with its audit event. One statement whatever the
 * size (data-modifying CTEs over one snapshot); the partial unique index keeps it idempotent, and
 * an advisory lock keeps two rescans of one organization apart.
 */
export async function detectConflicts(m: MutationScope): Promise<DetectionResult> {
  const { tx, organizationId } = m;
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('detectConflicts:' || $1))`, [organizationId]);
  // Enough memory to hash the detected set: with the default 4 MB, resolving compares every open
  // conflict against every detected row (measured: 1.6 s at 5,000 open conflicts; 20 ms hashed).
  await tx.query(`SET LOCAL work_mem = '64MB'`);
  const rows: Array<Record<string, unknown> & { change: 'opened' | 'resolved' }> = await tx.query(
    `/* detectConflicts */ WITH detected AS (${DETECTED}),
     opened AS (
       INSERT INTO conflict (organization_id, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id)
       SELECT $1, kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id FROM detected
       ON CONFLICT (organization_id, kind, cause_key) WHERE status = 'OPEN' DO NOTHING
       RETURNING *),
     resolved AS (
       UPDATE conflict c SET status = 'RESOLVED', closed_at = now(), resolution = $10, closed_by = $11,
         actions_taken = array_append(c.actions_taken, $10), version = c.version + 1, updated_at = now()
       WHERE c.organization_id = $1 AND c.status = 'OPEN'
         AND (c.kind, c.cause_key) NOT IN (SELECT kind, cause_key FROM detected)
       RETURNING c.*),
     opened_events AS (${conflictEventsCte('opened', null, EVENT_PARAMS)}),
     resolved_events AS (${conflictEventsCte('resolved', ConflictStatus.OPEN, EVENT_PARAMS)})
     SELECT 'opened' AS change, * FROM opened UNION ALL SELECT 'resolved' AS change, * FROM resolved`,
    [organizationId, ...TEMPLATES, m.action, m.actor, m.requestId],
  );
  return {
    opened: hydrate(
      tx,
      Conflict,
      rows.filter((row) => row.change === 'opened'),
    ),
    resolved: hydrate(
      tx,
      Conflict,
      rows.filter((row) => row.change === 'resolved'),
    ),
  };
}
