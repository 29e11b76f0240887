import { ConflictKind } from './conflict.enums';

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
} as const;

/** Fills %s slots like Postgres `format` does. */
export function formatSummary(template: string, ...values: Array<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => String(values[i++] ?? ''));
}
