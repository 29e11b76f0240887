import { sql } from 'kysely';
import { tag } from '../db';
import { ConflictKind } from './kinds';
import type { ConflictDetector, Rule } from './rule';

/**
 * The conflicts a successful sync resolves (EMAIL_TAKEN of a record, UNMANAGED_ACCOUNT a record
 * waits on) hold, once open, until their record is SYNCED with the email it wants: whatever else
 * changed meanwhile (the holder renamed, the account claimed, the record linked), only the sync
 * settles them. A deleted record leaves them (its conflicts close with it).
 */
const untilSynced = (kind: ConflictKind.EMAIL_TAKEN | ConflictKind.UNMANAGED_ACCOUNT): ConflictDetector => ({
  kind,
  select: (organizationId, only) => sql`
    SELECT c.kind, c.cause_key, c.summary, c.email, c.account_id, c.conflicting_account_id, c.scim_record_id,
           c.directory_id, c.domain_id
      FROM conflict c
      JOIN scim_record r ON r.id = c.scim_record_id
      LEFT JOIN account a ON a.id = r.account_id
     WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN' AND c.kind = ${kind}
       AND ${kind === ConflictKind.EMAIL_TAKEN ? only.record(sql.ref('c.scim_record_id')) : only.account(sql.ref('c.account_id'))}
       AND NOT (r.sync_status = 'SYNCED' AND a.id IS NOT NULL AND lower(a.email) = lower(r.email))`,
});

/**
 * R7: a resync that synced the record with the email it wanted resolves its EMAIL_TAKEN
 * conflict. Its detectors keep such conflicts open until then; the rescan resolves every other
 * open conflict no detector selects any more.
 */
export const R7: Rule<{ kind: ConflictKind; open: boolean; recordSynced: boolean; accountHasDesiredEmail: boolean }> = {
  id: 'R7',
  title: 'A successful resync resolves the conflicts it cleared',
  description: 'Once a record is SYNCED with the email it wanted, its EMAIL_TAKEN conflict is RESOLVED automatically.',
  code: null,
  evaluate: ({ kind, open, recordSynced, accountHasDesiredEmail }) =>
    kind === ConflictKind.EMAIL_TAKEN && open && recordSynced && accountHasDesiredEmail
      ? 'The record synced with the email it wanted, yet its EMAIL_TAKEN conflict is still open.'
      : null,
  detectors: [untilSynced(ConflictKind.EMAIL_TAKEN), untilSynced(ConflictKind.UNMANAGED_ACCOUNT)],
  async findings(db, organizationId) {
    const { rows } = await sql<{ id: string; kind: ConflictKind; syncStatus: string; hasEmail: boolean | null }>`${tag(
      'report:r7',
    )}
        SELECT c.id, c.kind, r.sync_status, lower(a.email) = lower(r.email) AS has_email FROM conflict c
          JOIN scim_record r ON r.id = c.scim_record_id LEFT JOIN account a ON a.id = r.account_id
         WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN' AND c.kind = 'EMAIL_TAKEN'`.execute(db);
    return rows.flatMap((row) => {
      const message = R7.evaluate({
        kind: row.kind,
        open: true,
        recordSynced: row.syncStatus === 'SYNCED',
        accountHasDesiredEmail: row.hasEmail === true,
      });
      return message === null ? [] : [{ subjectType: 'Conflict', subjectId: row.id, message }];
    });
  },
};
