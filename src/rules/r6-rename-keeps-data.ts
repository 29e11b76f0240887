import { sql, type RawBuilder } from 'kysely';
import { tag } from '../db';
import { AccountErrorCode } from '../accounts';
import { ConflictKind } from './kinds';
import { SUMMARY_TEMPLATES } from './summaries';
import type { ConflictDetector, Rule, Subjects } from './rule';

export type R6Facts =
  /** A rename (or push) to `newEmail`, which `takenBy` holds (null: nobody). */
  | { newEmail: string; takenBy: string | null }
  /** What stands: an active account on a placeholder a rename gave it, `previousEmail` in its history. */
  | { placeholder: string; previousEmail: string };

/**
 * Records whose account lacks the email they want, with the account that holds it (if any) and
 * whether another organization verified its domain (`e.name`): the candidates of EMAIL_TAKEN,
 * for rules R6 (held in the organization) and R8 (not available to it). Only records whose
 * account lacks the wanted email are candidates, so the holder lookup uses the unique email index.
 */
export function wantedEmailHolders(organizationId: string, only: Subjects): RawBuilder<unknown> {
  return sql`(SELECT r.*, a.email AS account_email FROM scim_record r LEFT JOIN account a ON a.id = r.account_id
              WHERE r.organization_id = ${organizationId} AND ${only.record(sql.ref('r.id'))} AND r.email IS NOT NULL
                AND (a.id IS NULL OR lower(a.email) <> lower(r.email))) r
      LEFT JOIN account h ON lower(h.email) = lower(r.email)
      LEFT JOIN elsewhere e ON e.name = split_part(lower(r.email), '@', 2)
      JOIN directory dir ON dir.id = r.directory_id
      LEFT JOIN domain dom ON dom.organization_id = ${organizationId} AND dom.name = split_part(lower(r.email), '@', 2)`;
}

/**
 * EMAIL_TAKEN, held in the organization: a record wants an email another of its accounts holds.
 * An unlinked record whose holder it could link (managed) or waits on (unmanaged) is not in
 * conflict.
 */
const emailTaken: ConflictDetector = {
  kind: ConflictKind.EMAIL_TAKEN,
  select: (organizationId, only) => sql`
    SELECT 'EMAIL_TAKEN'::text, 'record:' || r.id,
           format(${SUMMARY_TEMPLATES.EMAIL_TAKEN}::text, dir.name, coalesce(r.account_email, r.user_name), r.email, h.email),
           r.email, r.account_id, h.id, r.id, r.directory_id, dom.id
      FROM ${wantedEmailHolders(organizationId, only)}
     WHERE h.organization_id = ${organizationId} AND e.name IS NULL
       AND NOT (r.account_id IS NULL
                AND (NOT h.managed OR NOT EXISTS (SELECT 1 FROM scim_record o WHERE o.directory_id = r.directory_id AND o.account_id = h.id)))`,
};

/** The stray first: the record whose account does not have the email it wants, then the newest account. */
const STRAY_FIRST = sql`(array_agg(a.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[1],
         (array_agg(a.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[2],
         (array_agg(r.id ORDER BY lower(a.email) = lower(r.email), a.created_at, a.id))[1], NULL::uuid, NULL::uuid`;

/**
 * DUPLICATE_ACCOUNTS: one person, several accounts: the same wanted email, or the same
 * externalId, on different accounts. Keys are found by hashing (no sort of every record);
 * details only for those keys.
 */
const duplicateAccounts: ConflictDetector = {
  kind: ConflictKind.DUPLICATE_ACCOUNTS,
  select: (organizationId, only) => sql`
    SELECT 'DUPLICATE_ACCOUNTS'::text, 'email:' || e.key,
           format(${SUMMARY_TEMPLATES.DUPLICATE_ACCOUNTS}::text, e.key, count(DISTINCT a.id), string_agg(DISTINCT a.email, ', ')),
           e.key, ${STRAY_FIRST}
      FROM (SELECT lower(email) AS key FROM scim_record
             WHERE organization_id = ${organizationId} AND email IS NOT NULL AND account_id IS NOT NULL
               AND ${only.email(sql`lower(email)`)}
             GROUP BY lower(email) HAVING min(account_id::text) <> max(account_id::text)) e
      JOIN scim_record r ON r.organization_id = ${organizationId} AND r.account_id IS NOT NULL AND lower(r.email) = e.key
      JOIN account a ON a.id = r.account_id
     GROUP BY e.key
    UNION ALL
    SELECT 'DUPLICATE_ACCOUNTS'::text, 'externalId:' || x.key,
           format(${SUMMARY_TEMPLATES.DUPLICATE_ACCOUNTS}::text, 'externalId ' || x.key, count(DISTINCT a.id), string_agg(DISTINCT a.email, ', ')),
           NULL::text, ${STRAY_FIRST}
      FROM (SELECT external_id AS key FROM scim_record
             WHERE organization_id = ${organizationId} AND external_id IS NOT NULL AND account_id IS NOT NULL
               AND ${only.externalId(sql.ref('external_id'))}
             GROUP BY external_id HAVING min(account_id::text) <> max(account_id::text)) x
      JOIN scim_record r ON r.organization_id = ${organizationId} AND r.account_id IS NOT NULL AND r.external_id = x.key
      JOIN account a ON a.id = r.account_id
     GROUP BY x.key`,
};

/** R6: a rename keeps the old email in the history, and never takes another account's email. */
export const R6: Rule<R6Facts> = {
  id: 'R6',
  title: 'A rename never loses data',
  description:
    'The old email stays in the account history, and a new email (or placeholder) never collides with another account.',
  code: AccountErrorCode.EMAIL_TAKEN,
  evaluate: (facts) => {
    if ('placeholder' in facts)
      return `${facts.placeholder} is a placeholder from a rename; ${facts.previousEmail} is kept in its history. Review whether it should stay active.`;
    return facts.takenBy === null ? null : `${facts.newEmail} already belongs to ${facts.takenBy}.`;
  },
  detectors: [emailTaken, duplicateAccounts],
  async findings(db, organizationId) {
    const { rows } = await sql<{ id: string; email: string; previousEmail: string }>`${tag('report:placeholders')}
      SELECT a.id, a.email, h.previous_email FROM account a
        JOIN LATERAL (SELECT previous_email FROM account_email_change c WHERE c.account_id = a.id
                       ORDER BY c.changed_at DESC LIMIT 1) h ON true
       WHERE a.organization_id = ${organizationId} AND a.status = 'ACTIVE' AND lower(a.email) LIKE '%+duplicated%@%'
       ORDER BY lower(a.email) LIMIT 1000`.execute(db);
    return rows.flatMap((account) => {
      const message = R6.evaluate({ placeholder: account.email, previousEmail: account.previousEmail });
      return message === null ? [] : [{ subjectType: 'Account', subjectId: account.id, message }];
    });
  },
};
