import { sql } from 'kysely';
import { ConflictKind } from '../conflicts/conflict.enums';
import { SUMMARY_TEMPLATES, formatSummary } from '../conflicts/conflict-summaries';
import { findingsOf, type ConflictDetector, type Rule } from './rule';

/** STALE_EXTERNAL_ACCOUNT: active accounts no record backs, on the old domain of a migration in progress. */
const staleExternalAccount: ConflictDetector = {
  kind: ConflictKind.STALE_EXTERNAL_ACCOUNT,
  select: (organizationId, only) => sql`
    SELECT 'STALE_EXTERNAL_ACCOUNT'::text, 'account:' || a.id,
           format(${SUMMARY_TEMPLATES.STALE_EXTERNAL_ACCOUNT}::text, a.email, f.name, t.name),
           a.email, a.id, NULL::uuid, NULL::uuid, NULL::uuid, f.id
      FROM domain_migration mg
      JOIN domain f ON f.id = mg.from_domain_id
      JOIN domain t ON t.id = mg.to_domain_id
      JOIN account a ON a.organization_id = ${organizationId} AND a.email_domain = f.name AND a.status = 'ACTIVE'
     WHERE mg.organization_id = ${organizationId} AND mg.status = 'IN_PROGRESS' AND ${only.account(sql.ref('a.id'))}
       AND NOT EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = a.id)`,
};

/** R5: during a migration, active accounts on the old domain that no record backs are reviewed. */
export const R5: Rule<{
  email: string;
  status: string;
  backedByRecord: boolean;
  migration: { from: string; to: string } | null;
}> = {
  id: 'R5',
  title: 'Review and suspend outdated or external accounts during transitions',
  description:
    'During a domain migration, an active account on the old domain that no SCIM record backs is reviewed and suspended.',
  code: null,
  evaluate: ({ email, status, backedByRecord, migration }) =>
    migration !== null && !backedByRecord && status === 'ACTIVE'
      ? formatSummary(SUMMARY_TEMPLATES.STALE_EXTERNAL_ACCOUNT, email, migration.from, migration.to)
      : null,
  detectors: [staleExternalAccount],
  findings: (db, organizationId) =>
    findingsOf(db, organizationId, [staleExternalAccount], 'report:r5', (conflict) => ({
      subjectType: 'Account',
      subjectId: conflict.accountId,
    })),
};
