import { sql } from 'kysely';
import { tag } from '../db';
import { AccountErrorCode } from '../accounts';
import type { Rule } from './rule';

/** R1: an account linked to a SCIM record is changed at the identity provider, never here. */
export const R1: Rule<{ email: string; linkedDirectories: string[] }> = {
  id: 'R1',
  title: 'No late manual changes to IdP-managed accounts',
  description: 'An account linked to a SCIM record is changed at the identity provider and pushed, never edited here.',
  code: AccountErrorCode.IDP_MANAGED_ACCOUNT,
  evaluate: ({ email, linkedDirectories }) =>
    linkedDirectories.length === 0
      ? null
      : `${email} is managed by ${linkedDirectories.join(' and ')}: change it at the identity provider and push, or unlink its SCIM record first.`,
  // Refusals only: a late change is refused, so nothing is left for the rescan to open.
  detectors: [],
  async findings(db, organizationId) {
    // IdP-managed accounts whose email is not what their synced record says: a late manual change.
    const { rows } = await sql<{ id: string; email: string; directories: string[] }>`${tag('report:drift')}
      SELECT a.id, a.email, array_agg(DISTINCT d.name) AS directories FROM scim_record r
        JOIN account a ON a.id = r.account_id JOIN directory d ON d.id = r.directory_id
       WHERE r.organization_id = ${organizationId} AND r.sync_status = 'SYNCED' AND r.email IS NOT NULL
         AND lower(a.email) <> lower(r.email)
       GROUP BY a.id, a.email ORDER BY a.email LIMIT 1000`.execute(db);
    return rows.flatMap((account) => {
      const message = R1.evaluate({ email: account.email, linkedDirectories: account.directories });
      return message === null ? [] : [{ subjectType: 'Account', subjectId: account.id, message }];
    });
  },
};
