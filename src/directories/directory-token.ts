import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'scim_';

/** A SCIM bearer token: shown once, stored only as its SHA-256 (it has 256 bits of entropy, so no slow hash is needed). */
export function newDirectoryToken(): { token: string; hash: string } {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashDirectoryToken(token) };
}

export function hashDirectoryToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function directoryTokenMatches(token: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const presented = Buffer.from(hashDirectoryToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
