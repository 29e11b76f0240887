import { sql } from 'kysely';
import { ConflictKind } from '../conflicts/conflict.enums';
import { SUMMARY_TEMPLATES, formatSummary } from '../conflicts/conflict-summaries';
import { findingsOf, type ConflictDetector, type Rule } from './rule';

const normalizeAttribute = (attribute: string) => attribute.trim().toLowerCase();

/** MAPPING_MISMATCH: every directory whose SSO and SCIM email attributes differ. */
const mappingMismatch: ConflictDetector = {
  kind: ConflictKind.MAPPING_MISMATCH,
  select: (organizationId, only) => sql`
    SELECT 'MAPPING_MISMATCH'::text AS kind, 'directory:' || d.id AS cause_key,
           format(${SUMMARY_TEMPLATES.MAPPING_MISMATCH}::text, d.name, d.sso_email_attribute, d.scim_email_attribute) AS summary,
           NULL::text AS email, NULL::uuid AS account_id, NULL::uuid AS conflicting_account_id,
           NULL::uuid AS scim_record_id, d.id AS directory_id, NULL::uuid AS domain_id
      FROM directory d
     WHERE d.organization_id = ${organizationId} AND ${only.directory(sql.ref('d.id'))}
       AND lower(trim(d.sso_email_attribute)) <> lower(trim(d.scim_email_attribute))`,
};

/** R2: a directory's SSO and SCIM map the email to the same attribute. */
export const R2: Rule<{ name: string; ssoEmailAttribute: string; scimEmailAttribute: string }> = {
  id: 'R2',
  title: 'SSO and SCIM email mappings must agree',
  description:
    'A directory whose SSO and SCIM map the email to different attributes causes sync errors and duplicate accounts.',
  code: null,
  evaluate: ({ name, ssoEmailAttribute, scimEmailAttribute }) =>
    normalizeAttribute(ssoEmailAttribute) === normalizeAttribute(scimEmailAttribute)
      ? null
      : formatSummary(SUMMARY_TEMPLATES.MAPPING_MISMATCH, name, ssoEmailAttribute, scimEmailAttribute),
  detectors: [mappingMismatch],
  findings: (db, organizationId) =>
    findingsOf(db, organizationId, [mappingMismatch], 'report:r2', (conflict) => ({
      subjectType: 'Directory',
      subjectId: conflict.directoryId,
    })),
};
