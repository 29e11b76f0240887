import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { TokenVerifier, mintToken } from './tokens';
import { ALL_SCOPES, type Scope } from './scopes';

export interface AuthSetup {
  verifier: TokenVerifier;
  /** Set only in development without configured keys: the generated HS256 secret. */
  developmentSecret?: string;
}

/**
 * Production needs real keys. Elsewhere, without any, a development secret is generated once
 * and kept in the data folder, so `npm run token` and the server agree across restarts.
 */
export function setUpAuth(config: Config): AuthSetup {
  const { auth } = config;
  if (auth.jwtSecret || auth.jwksUrl) return { verifier: new TokenVerifier(auth) };
  if (config.nodeEnv === 'production') {
    throw new Error(
      'No JWT verification key configured: set JWT_SECRET (HS256, 32+ bytes) or JWT_JWKS_URL (RS256/ES256). ' +
        'Production never generates its own keys.',
    );
  }
  const secret = loadOrCreateDevelopmentSecret(config.dataDir);
  return { verifier: new TokenVerifier({ ...auth, jwtSecret: secret }), developmentSecret: secret };
}

/** The generated secret the server verifies with when no key is configured outside production; else undefined. */
export function developmentSecret(config: Config): string | undefined {
  if (config.auth.jwtSecret || config.auth.jwksUrl || config.nodeEnv === 'production') return undefined;
  return loadOrCreateDevelopmentSecret(config.dataDir);
}

function loadOrCreateDevelopmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'dev-jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

export interface TokenOptions {
  subject?: string;
  scopes?: Scope[];
  expiresIn?: string;
}

/** A token (all scopes unless told) signed with `secret`, honouring a configured issuer and audience. */
export function mintDevelopmentToken(
  config: Config,
  secret: string,
  organizationId: string,
  options: TokenOptions = {},
): Promise<string> {
  return mintToken({
    secret,
    subject: options.subject ?? 'dev-admin',
    organizationId,
    scopes: options.scopes ?? ALL_SCOPES,
    expiresIn: options.expiresIn,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}
