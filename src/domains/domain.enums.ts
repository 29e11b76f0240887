import { registerEnumType } from 'type-graphql';

export enum DomainStatus {
  UNVERIFIED = 'UNVERIFIED',
  VERIFIED = 'VERIFIED',
  /** Was verified; the proof was gone at the last re-check. */
  MISSING_TOKEN = 'MISSING_TOKEN',
  /** Another organization verified the same domain after us. */
  SUPERSEDED = 'SUPERSEDED',
}

export enum DomainVerificationMethod {
  DNS_TXT = 'DNS_TXT',
  HTTPS_FILE = 'HTTPS_FILE',
}

registerEnumType(DomainStatus, {
  name: 'DomainStatus',
  valuesConfig: {
    UNVERIFIED: { description: 'Asserted, not yet proven: publish the verification token, then verifyDomain.' },
    VERIFIED: { description: 'Proven by DNS TXT record or HTTPS file; accounts on it can be claimed.' },
    MISSING_TOKEN: { description: 'Was verified, but the proof was gone at the last re-check.' },
    SUPERSEDED: { description: 'Another organization has since verified this domain.' },
  },
});
registerEnumType(DomainVerificationMethod, { name: 'DomainVerificationMethod' });
