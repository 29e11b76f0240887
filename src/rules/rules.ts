import { AccountErrorCode } from '../accounts/account.errors';
import { DomainErrorCode } from '../domains/domain.errors';
import { ConflictKind } from '../conflicts/conflict.enums';
import { userError, type UserError, type UserErrorCode } from '../common/user-error';
import { NOT_AVAILABLE, SUMMARY_TEMPLATES, formatSummary } from '../conflicts/conflict-summaries';

type RuleId = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8';

/**
 * A best-practice rule of the design: data plus one pure function over facts. Mutations use
 * `evaluate` as their guard and the governance report runs the very same function over every
 * object, so the report and the API cannot disagree. `evaluate` returns why the facts break
 * the rule, or null.
 */
export interface Rule<Facts> {
  id: RuleId;
  title: string;
  description: string;
  /** The userErrors code when a mutation is refused by this rule (null: the rule only reports findings). */
  code: UserErrorCode | ((facts: Facts) => UserErrorCode) | null;
  evaluate(facts: Facts): string | null;
}

export interface DomainFacts {
  name: string;
  status: string;
  claimed: boolean;
}

export const R1: Rule<{ email: string; linkedDirectories: string[] }> = {
  id: 'R1',
  title: 'No late manual changes to IdP-managed accounts',
  description: 'An account linked to a SCIM record is changed at the identity provider and pushed, never edited here.',
  code: AccountErrorCode.IDP_MANAGED_ACCOUNT,
  evaluate: ({ email, linkedDirectories }) =>
    linkedDirectories.length === 0
      ? null
      : `${email} is managed by ${linkedDirectories.join(' and ')}: change it at the identity provider and push, or unlink its SCIM record first.`,
};

const normalizeAttribute = (attribute: string) => attribute.trim().toLowerCase();

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
};

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

export interface R3Facts {
  email: string;
  /** The organization's own domain of that name, if it asserts it. */
  domain: DomainFacts | null;
  /** `claim`: claiming an account on `email`; `managedEmail`: `email` is (or is to become) a managed account's. */
  subject: 'claim' | 'managedEmail';
}

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
};

export const R4: Rule<{ from: DomainFacts; to: DomainFacts }> = {
  id: 'R4',
  title: 'Migrations need both domains verified and claimed',
  description: 'Before any account moves from an old domain to a new one, the organization verifies and claims both.',
  code: ({ from, to }) =>
    from.status === 'VERIFIED' && to.status === 'VERIFIED'
      ? DomainErrorCode.DOMAIN_NOT_CLAIMED
      : DomainErrorCode.DOMAIN_NOT_VERIFIED,
  evaluate: ({ from, to }) => {
    const missing = [from, to].flatMap((domain) => [
      ...(domain.status === 'VERIFIED' ? [] : [`${domain.name} is not verified`]),
      ...(domain.claimed ? [] : [`${domain.name} is not claimed`]),
    ]);
    return missing.length === 0 ? null : `Not ready to migrate ${from.name} to ${to.name}: ${missing.join(', ')}.`;
  },
};

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
};

export const R6: Rule<{ newEmail: string; takenBy: string | null }> = {
  id: 'R6',
  title: 'A rename never loses data',
  description:
    'The old email stays in the account history, and a new email (or placeholder) never collides with another account.',
  code: AccountErrorCode.EMAIL_TAKEN,
  evaluate: ({ newEmail, takenBy }) => (takenBy === null ? null : `${newEmail} already belongs to ${takenBy}.`),
};

export const R7: Rule<{ kind: ConflictKind; open: boolean; recordSynced: boolean; accountHasDesiredEmail: boolean }> = {
  id: 'R7',
  title: 'A successful resync resolves the conflicts it cleared',
  description: 'Once a record is SYNCED with the email it wanted, its EMAIL_TAKEN conflict is RESOLVED automatically.',
  code: null,
  evaluate: ({ kind, open, recordSynced, accountHasDesiredEmail }) =>
    kind === ConflictKind.EMAIL_TAKEN && open && recordSynced && accountHasDesiredEmail
      ? 'The record synced with the email it wanted, yet its EMAIL_TAKEN conflict is still open.'
      : null,
};

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
};

export const RULES = [R1, R2, R3, R4, R5, R6, R7, R8] as const;

/** A rule's refusal as a userError, or null when the facts satisfy it. */
export function check<F>(rule: Rule<F>, facts: F, field: string | null = null): UserError | null {
  const message = rule.evaluate(facts);
  if (message === null) return null;
  if (rule.code === null) throw new Error(`Rule ${rule.id} reports findings; it does not refuse mutations`);
  return userError(typeof rule.code === 'function' ? rule.code(facts) : rule.code, message, field, rule.id);
}

/** Why facts the caller built to break the rule break it; throws (a bug) when the rule lets them pass. */
export function violationOf<F>(rule: Rule<F>, facts: NoInfer<F>): string {
  const message = rule.evaluate(facts);
  if (message === null) throw new Error(`Rule ${rule.id} was expected to find these facts in breach`);
  return message;
}

/** The refusal for facts the caller built to break the rule; throws (a bug) when the rule lets them pass. */
export function refusalOf<F>(rule: Rule<F>, facts: NoInfer<F>, field: string | null = null): UserError {
  const error = check(rule, facts, field);
  if (error === null) throw new Error(`Rule ${rule.id} was expected to refuse these facts`);
  return error;
}
