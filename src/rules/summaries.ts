import { ConflictKind } from './kinds';

/**
 * One sentence per detected conflict kind, with %s slots filled in order. The same templates
 * feed the set-based detection SQL (Postgres `format`) and the per-object code paths, so a
 * conflict reads the same whichever path raised it.
 */
export const SUMMARY_TEMPLATES = {
  [ConflictKind.UNMANAGED_ACCOUNT]:
    '%s is on the verified domain %s but not claimed; the identity provider cannot manage it until it is.',
  [ConflictKind.MAPPING_MISMATCH]: '%s maps the SSO email to %s but the SCIM email to %s.',
  [ConflictKind.UNVERIFIED_DOMAIN]: '%s pushes %s, but %s is not a verified domain of your organization.',
  [ConflictKind.EMAIL_TAKEN]: '%s wants the account of %s to have %s, which the account %s already owns.',
  [ConflictKind.DUPLICATE_ACCOUNTS]: '%s is pushed onto %s different accounts (%s): one person, several accounts.',
  [ConflictKind.STALE_EXTERNAL_ACCOUNT]:
    '%s is on %s, which is being migrated to %s, and no identity provider backs it: review it and suspend it.',
  [ConflictKind.DOMAIN_OWNED_ELSEWHERE]:
    '%s is on %s, a domain another organization has verified; its addresses belong to that organization (rule R8). Move the account to an address on one of your own domains.',
} as const;

/**
 * Why an address cannot be used by an organization, in the same words whatever the reason outside
 * it (another organization's account holds it, or another organization verified its domain): a
 * refusal must not tell one from the other (rule R8).
 */
export const NOT_AVAILABLE = 'it is in use outside it, or its domain belongs to another organization';

/** EMAIL_TAKEN when the wanted address is not available to the organization (rule R8). */
export const EMAIL_UNAVAILABLE_SUMMARY = `%s wants the account of %s to have %s, which is not available to your organization: ${NOT_AVAILABLE}.`;

/**
 * STALE_EXTERNAL_ACCOUNT outside migrations (rule R5): an active account no record backs whose
 * domain is not a verified domain of the organization.
 */
export const EXTERNAL_ACCOUNT_SUMMARY =
  '%s is external (%s is not a verified domain of your organization) and no identity provider backs it: review it and suspend it.';

/** Fills %s slots like Postgres `format` does. */
export function formatSummary(template: string, ...values: Array<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => String(values[i++] ?? ''));
}
