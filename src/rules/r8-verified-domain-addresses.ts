import { sql } from 'kysely';
import { tag } from '../db';
import { AccountErrorCode } from '../accounts';
import { ConflictKind } from './kinds';
import { EMAIL_UNAVAILABLE_SUMMARY, NOT_AVAILABLE, SUMMARY_TEMPLATES, formatSummary } from './summaries';
import { domainOf, findingsOf, type ConflictDetector, type Rule } from './rule';
import { wantedEmailHolders } from './r6-rename-keeps-data';

/** Who, seen from one organization: nobody, that organization, or another one (never which). */
export type Party = 'none' | 'us' | 'others';

export interface R8Facts {
  email: string;
  /** Who holds the address now, the account being changed aside. */
  heldBy: Party;
  /** Which organization has VERIFIED the address's domain. */
  domainVerifiedBy: Party;
  /** True when the organization would take the address (rename, SCIM push, link); false for what stands. */
  taking: boolean;
}

/**
 * EMAIL_TAKEN, not available: a record wants an address another organization's account holds,
 * or one on a domain another organization verified, worded the same either way.
 */
const emailUnavailable: ConflictDetector = {
  kind: ConflictKind.EMAIL_TAKEN,
  select: (organizationId) => sql`
    SELECT 'EMAIL_TAKEN'::text, 'record:' || r.id,
           format(${EMAIL_UNAVAILABLE_SUMMARY}::text, dir.name, coalesce(r.account_email, r.user_name), r.email),
           r.email, r.account_id, NULL::uuid, r.id, r.directory_id, dom.id
      FROM ${wantedEmailHolders(organizationId)}
     WHERE e.name IS NOT NULL OR h.organization_id <> ${organizationId}`,
};

/** DOMAIN_OWNED_ELSEWHERE, holder side: an address (held since before the verification) on a domain another organization verified. */
const domainOwnedElsewhere: ConflictDetector = {
  kind: ConflictKind.DOMAIN_OWNED_ELSEWHERE,
  select: (organizationId, only) => sql`
    SELECT 'DOMAIN_OWNED_ELSEWHERE'::text, 'account:' || a.id,
           format(${SUMMARY_TEMPLATES.DOMAIN_OWNED_ELSEWHERE}::text, a.email, a.email_domain),
           a.email, a.id, NULL::uuid, NULL::uuid, NULL::uuid, own.id
      FROM account a
      JOIN elsewhere e ON e.name = a.email_domain
      LEFT JOIN domain own ON own.organization_id = ${organizationId} AND own.name = a.email_domain
     WHERE a.organization_id = ${organizationId} AND ${only.account(sql.ref('a.id'))} AND a.status <> 'DEACTIVATED'`,
};

/** R8: the addresses of a domain an organization verified are that organization's alone. */
export const R8: Rule<R8Facts> = {
  id: 'R8',
  title: 'The addresses of a verified domain belong to the organization that verified it',
  description:
    "No other organization's rename, SCIM push or link may take an address on a domain an organization has verified, and a refusal never says which organization, nor whether an account or a domain was the reason. Addresses held before the verification are reported on both sides.",
  code: AccountErrorCode.EMAIL_UNAVAILABLE,
  evaluate: ({ email, heldBy, domainVerifiedBy, taking }) => {
    if (taking)
      return heldBy === 'others' || domainVerifiedBy === 'others'
        ? `${email} cannot be used by your organization: ${NOT_AVAILABLE}.`
        : null;
    if (heldBy === 'us' && domainVerifiedBy === 'others')
      return formatSummary(SUMMARY_TEMPLATES.DOMAIN_OWNED_ELSEWHERE, email, domainOf(email));
    if (heldBy === 'others' && domainVerifiedBy === 'us')
      return `${email} on your verified domain ${domainOf(email)} is held by an account outside your organization (it predates your verification); that organization is asked to move it (rule R8).`;
    return null;
  },
  detectors: [emailUnavailable, domainOwnedElsewhere],
  async findings(db, organizationId) {
    const [held, owned] = await Promise.all([
      // Holder side: what the rescan opens as DOMAIN_OWNED_ELSEWHERE.
      findingsOf(db, organizationId, [domainOwnedElsewhere], 'report:r8held', (conflict) => ({
        subjectType: 'Account',
        subjectId: conflict.accountId,
      })),
      // Owner side: addresses on its verified domains that other organizations' accounts hold, one
      // (organization_id, email_domain) index probe per other organization and domain (OFFSET 0:
      // not flattened into a scan of every account on the names, most of them the owner's own).
      sql<{ domainId: string; email: string }>`${tag('report:r8owned')}
        SELECT d.id AS domain_id, a.email FROM domain d
          JOIN organization o ON o.id <> ${organizationId}
          JOIN LATERAL (SELECT a.email FROM account a
                         WHERE a.organization_id = o.id AND a.email_domain = d.name AND a.status <> 'DEACTIVATED' OFFSET 0) a ON true
         WHERE d.organization_id = ${organizationId} AND d.status = 'VERIFIED'
         ORDER BY lower(a.email) LIMIT 1000`.execute(db),
    ]);
    return [
      ...held,
      ...owned.rows.flatMap((row) => {
        const message = R8.evaluate({ email: row.email, heldBy: 'others', domainVerifiedBy: 'us', taking: false });
        return message === null ? [] : [{ subjectType: 'Domain', subjectId: row.domainId, message }];
      }),
    ];
  },
};
