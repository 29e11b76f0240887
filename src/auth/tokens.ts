import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AuthConfig } from '../config';
import { ExpiringMap, isUuid } from '../common';
import { ALL_SCOPES, type Scope } from './scopes';
import type { Principal } from './principal';

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** How long a verified token is believed without checking its signature again (never past its exp). */
const VERIFIED_TTL_MS = 60_000;
const MAX_REMEMBERED_TOKENS = 10_000;

/**
 * Verifies bearer JWTs (HS256 secret, or RS256/ES256 keys from a JWKS URL) into Principals.
 * A token once verified is remembered for a minute, or until it expires if sooner (with the same
 * clock tolerance jose allows): a client sends the same token on every request, and checking its
 * signature (an HMAC key import and a WebCrypto job each time) was 7% of the conflict queue's CPU.
 * Only the exact token string is remembered; a minute bounds how long a key rotated out of a JWKS
 * still admits a token it signed.
 */
export class TokenVerifier {
  private readonly verifyJwt: (token: string) => Promise<JWTPayload>;
  private readonly clockToleranceMs: number;
  private readonly verified = new ExpiringMap<string, Principal>(MAX_REMEMBERED_TOKENS);

  constructor(config: AuthConfig & { jwtSecret?: string }) {
    // One algorithm family per deployment: an HS256 token is never checked against a public key.
    const options = {
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: ['sub', 'exp'],
    };
    this.clockToleranceMs = config.clockToleranceSeconds * 1000;
    if (config.jwksUrl) {
      const keys = createRemoteJWKSet(new URL(config.jwksUrl));
      this.verifyJwt = async (token) =>
        (await jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
    } else if (config.jwtSecret) {
      const secret = new TextEncoder().encode(config.jwtSecret);
      this.verifyJwt = async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
    } else {
      throw new Error('TokenVerifier needs JWT_SECRET or JWT_JWKS_URL');
    }
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const known = this.verified.get(token, now);
    if (known) return known;
    let payload: JWTPayload;
    try {
      payload = await this.verifyJwt(token);
    } catch (error) {
      // jose's messages name the failed check (expired, signature, audience) and never echo the token.
      throw new InvalidTokenError((error as Error).message);
    }
    const principal = principalFromClaims(payload);
    // exp is a required claim: jose accepts the token while exp > now - tolerance.
    const until = Math.min(now + VERIFIED_TTL_MS, (payload.exp ?? 0) * 1000 + this.clockToleranceMs);
    this.verified.set(token, principal, until);
    return principal;
  }
}

function principalFromClaims(payload: JWTPayload): Principal {
  const organizationId = payload.org;
  if (!isUuid(organizationId)) throw new InvalidTokenError('the "org" claim must be an organization id');
  const requested =
    typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scopes) ? payload.scopes : [];
  const scopes = new Set(requested.filter((scope): scope is Scope => ALL_SCOPES.includes(scope as Scope)));
  return { subject: String(payload.sub), organizationId: organizationId.toLowerCase(), scopes };
}

export interface MintOptions {
  secret: string;
  subject: string;
  organizationId: string;
  scopes: Scope[];
  expiresIn?: string;
  issuer?: string;
  audience?: string;
}

/** HS256 tokens for development, tests and `npm run token`. */
export async function mintToken(options: MintOptions): Promise<string> {
  let jwt = new SignJWT({ org: options.organizationId, scope: options.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
