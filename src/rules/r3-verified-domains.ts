import { sql } from 'kysely';
import { tag } from '../db';
import { DomainErrorCode } from '../domains';
import { ConflictKind } from './kinds';
import { SUMMARY_TEMPLATES } from './summaries';
import { domainOf, type ConflictDetector, type DomainFacts, type Finding, type Rule } from './rule';

export interface R3Facts {
  email: string;
  /** The organization's own domain of that name, if it asserts it. */
  domain: DomainFacts | null;
  /** `claim`: claiming an account on `email`; `managedEmail`: `email` is (or is to become) a managed account's. */
  subject: 'claim' | 'managedEmail';
}

/**
 * UNMANAGED_ACCOUNT: unmanaged accounts on verified domains (claim them), and unmanaged accounts
 * a pending record waits on.
 */
const unmanagedAccount: ConflictDetector = {
  kind: ConflictKind.UNMANAGED_ACCOUNT,
  select: (organizationId, only) => sql`
    SELECT 'UNMANAGED_ACCOUNT'::text, 'account:' || a.id, format(${SUMMARY_TEMPLATES.UNMANAGED_ACCOUNT}::text, a.email, a.email_domain),
           a.email, a.id, NULL::uuid, w.id, w.directory_id, v.id
      FROM account a
      LEFT JOIN verified v ON v.name = a.email_domain
      LEFT JOIN LATERAL (SELECT r.id, r.directory_id FROM scim_record r
                          WHERE r.organization_id = ${organizationId} AND r.account_id IS NULL AND lower(r.email) = lower(a.email)
                          ORDER BY r.created_at LIMIT 1) w ON true
     WHERE a.organization_id = ${organizationId} AND ${only.account(sql.ref('a.id'))}
       AND NOT a.managed AND a.status <> 'DEACTIVATED'
       -- A record does not wait on an address another organization's domain owns: it fails (rule R8).
       AND (v.id IS NOT NULL OR (w.id IS NOT NULL AND a.email_domain NOT IN (SELECT name FROM elsewhere)))`,
};

/**
 * UNVERIFIED_DOMAIN: records pushing an email on a domain the organization has not verified.
 * Those records first (few; OFFSET 0 keeps the other joins for them), each record's domain
 * lowered alone: in a full rescan at 100,000 records, 68 -> 40 ms of CPU.
 */
const unverifiedDomain: ConflictDetector = {
  kind: ConflictKind.UNVERIFIED_DOMAIN,
  select: (organizationId, only) => sql`
    SELECT 'UNVERIFIED_DOMAIN'::text, 'record:' || r.id,
           format(${SUMMARY_TEMPLATES.UNVERIFIED_DOMAIN}::text, dir.name, r.email, lower(split_part(r.email, '@', 2))),
           r.email, r.account_id, NULL::uuid, r.id, r.directory_id, dom.id
      FROM (SELECT * FROM scim_record r
             WHERE r.organization_id = ${organizationId} AND ${only.record(sql.ref('r.id'))} AND r.email IS NOT NULL
               AND lower(split_part(r.email, '@', 2)) NOT IN (SELECT name FROM verified) OFFSET 0) r
      JOIN directory dir ON dir.id = r.directory_id
      LEFT JOIN domain dom ON dom.organization_id = ${organizationId} AND dom.name = lower(split_part(r.email, '@', 2))`,
};

/** R3: claims only on verified domains, and a managed account's email stays on one. */
export const R3: Rule<R3Facts> = {
  id: 'R3',
  title: "Claim only on verified domains; a managed account's email stays on one",
  description:
    'An account can be claimed (managed) only when the organization has verified its email domain, and a rename never moves a managed account to a domain the organization has not verified.',
  code: DomainErrorCode.DOMAIN_NOT_VERIFIED,
  evaluate: ({ email, domain, subject }) => {
    if (domain?.status === 'VERIFIED') return null;
    if (subject === 'managedEmail') {
      const name = domainOf(email);
      return domain === null
        ? `${email} is not on a verified domain of your organization, and a managed account's email stays on one: add and verify ${name} first.`
        : `${email} is not on a verified domain of your organization (${name} is ${domain.status}), and a managed account's email stays on one: verify ${name} first.`;
    }
    if (domain === null)
      return `${email} is not on a domain of your organization: add and verify ${domainOf(email)} first.`;
    return `${domain.name} is ${domain.status}, not VERIFIED: verify it before claiming accounts on it.`;
  },
  detectors: [unmanagedAccount, unverifiedDomain],
  async findings(db, organizationId) {
    const [managedByDomain, managedOffDomains] = await Promise.all([
      // Managed accounts whose claim is no longer backed by a verified domain.
      sql<{ id: string; name: string; status: string; claimed: boolean; count: number }>`${tag('report:managed')}
        SELECT d.id, d.name, d.status, d.claimed_at IS NOT NULL AS claimed, count(*)::int AS count
          FROM account a JOIN domain d ON d.organization_id = a.organization_id AND d.name = a.email_domain
         WHERE a.organization_id = ${organizationId} AND a.managed AND d.status <> 'VERIFIED'
         GROUP BY d.id ORDER BY d.name`.execute(db),
      // Managed accounts on a domain the organization does not even assert.
      sql<{ id: string; email: string }>`${tag('report:managedOffDomains')}
        SELECT a.id, a.email FROM account a
         WHERE a.organization_id = ${organizationId} AND a.managed
           AND NOT EXISTS (SELECT 1 FROM domain d WHERE d.organization_id = ${organizationId} AND d.name = a.email_domain)
         ORDER BY lower(a.email) LIMIT 1000`.execute(db),
    ]);
    const findings: Finding[] = [];
    for (const { id, name, status, claimed, count } of managedByDomain.rows) {
      const message = R3.evaluate({ email: `*@${name}`, domain: { name, status, claimed }, subject: 'claim' });
      if (message !== null)
        findings.push({ subjectType: 'Domain', subjectId: id, message: `${count} managed account(s): ${message}` });
    }
    for (const account of managedOffDomains.rows) {
      const message = R3.evaluate({ email: account.email, domain: null, subject: 'managedEmail' });
      if (message !== null) findings.push({ subjectType: 'Account', subjectId: account.id, message });
    }
    return findings;
  },
};
