import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { isUuid } from '../common/ids';
import { ALL_SCOPES, type Scope } from './scopes';
import type { Principal } from './principal';

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const HS256 = ['HS256'];
const ASYMMETRIC = ['RS256', 'ES256'];

/** Verifies bearer JWTs (HS256 secret, or RS256/ES256 keys from a JWKS URL) into Principals. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: AuthConfig & { jwtSecret?: string }) {
    if (config.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl));
      this.algorithms = ASYMMETRIC;
    } else if (config.jwtSecret) {
      this.key = new TextEncoder().encode(config.jwtSecret);
      this.algorithms = HS256;
    } else {
      throw new Error('TokenVerifier needs JWT_SECRET or JWT_JWKS_URL');
    }
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      };
      payload =
        typeof this.key === 'function'
          ? (await jwtVerify(token, this.key, options)).payload
          : (await jwtVerify(token, this.key, options)).payload;
    } catch (error) {
      // jose's messages name the failed check (expired, signature, audience) and never echo the token.
      throw new InvalidTokenError((error as Error).message);
    }
    return principalFromClaims(payload);
  }
}

export function principalFromClaims(payload: JWTPayload): Principal {
  const organizationId = payload.org;
  if (!isUuid(organizationId)) throw new InvalidTokenError('the "org" claim must be an organization id');
  const requested = typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scopes) ? payload.scopes : [];
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
