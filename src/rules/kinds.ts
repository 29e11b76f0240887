import { registerEnumType } from 'type-graphql';

/** What a rule finds: each kind of conflict is opened and resolved by the rules' checks and detectors. */
export enum ConflictKind {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  MAPPING_MISMATCH = 'MAPPING_MISMATCH',
  UNVERIFIED_DOMAIN = 'UNVERIFIED_DOMAIN',
  UNMANAGED_ACCOUNT = 'UNMANAGED_ACCOUNT',
  DUPLICATE_ACCOUNTS = 'DUPLICATE_ACCOUNTS',
  STALE_EXTERNAL_ACCOUNT = 'STALE_EXTERNAL_ACCOUNT',
  DOMAIN_OWNED_ELSEWHERE = 'DOMAIN_OWNED_ELSEWHERE',
}

registerEnumType(ConflictKind, {
  name: 'ConflictKind',
  valuesConfig: {
    EMAIL_TAKEN: { description: 'A SCIM push wants an email another account owns.' },
    MAPPING_MISMATCH: { description: "A directory's SSO and SCIM email attributes differ." },
    UNVERIFIED_DOMAIN: { description: 'A SCIM push targets a domain the organization has not verified.' },
    UNMANAGED_ACCOUNT: {
      description: 'An account on a verified domain is not claimed, so the IdP cannot take it over.',
    },
    DUPLICATE_ACCOUNTS: { description: 'One person, several accounts (same externalId or same email across records).' },
    STALE_EXTERNAL_ACCOUNT: {
      description:
        'An active account that no SCIM record backs, on the old domain of a domain migration in progress, or external: its domain is not a verified domain of the organization (rule R5).',
    },
    DOMAIN_OWNED_ELSEWHERE: {
      description:
        "An account holds an address on a domain another organization has verified (it predates the verification): the address belongs to that organization (rule R8), so the account must move to one of the organization's own domains.",
    },
  },
});
