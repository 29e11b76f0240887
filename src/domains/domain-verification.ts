import { randomBytes } from 'node:crypto';

/** The value the organization publishes (TXT record or file) to prove it controls a domain. */
export function newVerificationToken(): string {
  return `identity-governance-verification=${randomBytes(24).toString('base64url')}`;
}
