import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { TokenVerifier, InvalidTokenError } from '../../src/auth/tokens';
import { setUpAuth } from '../../src/auth/setup';
import { loadConfig } from '../../src/config';

const ORG = randomUUID();
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** Bearer JWT verification against a real JWKS endpoint on loopback. */
describe('token verification', () => {
  let jwks: http.Server;
  let jwksUrl: string;
  let rsa: PrivateKey;
  let ec: PrivateKey;
  const keys: JWK[] = [];

  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256');
    const ecPair = await generateKeyPair('ES256');
    rsa = rsaPair.privateKey;
    ec = ecPair.privateKey;
    keys.push(
      { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256' },
      { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256' },
    );
    jwks = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => jwks.close(resolve)));

  const verifier = () =>
    new TokenVerifier({
      jwtSecret: undefined,
      jwksUrl,
      issuer: 'https://idp.example',
      audience: 'governance',
      clockToleranceSeconds: 30,
    });
  const sign = (
    key: PrivateKey | Uint8Array,
    alg: string,
    kid: string | undefined,
    claims: Record<string, unknown> = {},
    expires: string | number = '5m',
  ) =>
    new SignJWT({ org: ORG, scope: 'governance:read audit:read unknown:scope', ...claims })
      .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
      .setSubject('alice@example.com')
      .setIssuer('https://idp.example')
      .setAudience('governance')
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(key);

  it('accepts RS256 and ES256 tokens signed by keys of the JWKS, keeping only known scopes', async () => {
    for (const [key, alg, kid] of [
      [rsa, 'RS256', 'rsa-1'],
      [ec, 'ES256', 'ec-1'],
    ] as const) {
      const principal = await verifier().verify(await sign(key, alg, kid));
      expect(principal).toEqual({
        subject: 'alice@example.com',
        organizationId: ORG,
        scopes: new Set(['governance:read', 'audit:read']),
      });
    }
  });

  it('accepts a scopes array claim as well', async () => {
    const principal = await verifier().verify(
      await sign(rsa, 'RS256', 'rsa-1', { scope: undefined, scopes: ['governance:write'] }),
    );
    expect([...principal.scopes]).toEqual(['governance:write']);
  });

  it.each([
    [
      'an expired token (beyond the clock tolerance)',
      async () => sign(rsa, 'RS256', 'rsa-1', {}, Math.floor(Date.now() / 1000) - 60),
    ],
    [
      'another issuer',
      async () =>
        new SignJWT({ org: ORG })
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
          .setSubject('x')
          .setIssuer('https://evil.example')
          .setAudience('governance')
          .setExpirationTime('5m')
          .sign(rsa),
    ],
    [
      'another audience',
      async () =>
        new SignJWT({ org: ORG })
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
          .setSubject('x')
          .setIssuer('https://idp.example')
          .setAudience('other')
          .setExpirationTime('5m')
          .sign(rsa),
    ],
    [
      'an HS256 token (algorithm confusion)',
      async () => sign(new TextEncoder().encode('x'.repeat(40)), 'HS256', undefined),
    ],
    [
      'an unsigned token (alg none)',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ org: ORG, sub: 'x', exp: 9e9 })).toString('base64url')}.`,
    ],
    ['a key not in the JWKS', async () => sign((await generateKeyPair('RS256')).privateKey, 'RS256', 'rsa-2')],
    ['a token without an organization', async () => sign(rsa, 'RS256', 'rsa-1', { org: undefined })],
    ['an organization that is not an id', async () => sign(rsa, 'RS256', 'rsa-1', { org: "acme' OR 1=1" })],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s', async (_, token) => {
    await expect(verifier().verify(await token())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('accepts a token a few seconds past expiry, within the clock tolerance', async () => {
    await expect(
      verifier().verify(await sign(rsa, 'RS256', 'rsa-1', {}, Math.floor(Date.now() / 1000) - 10)),
    ).resolves.toBeTruthy();
  });
});

describe('verified tokens remembered', () => {
  const secret = 'y'.repeat(40);
  const hs256 = () =>
    new TokenVerifier({
      jwtSecret: secret,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 30,
    });
  const token = (expires: string) =>
    new SignJWT({ org: ORG, scope: 'governance:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime(expires)
      .sign(new TextEncoder().encode(secret));

  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers a token seen before without verifying it again, and refuses it once it expired', async () => {
    const verifier = hs256();
    const jwt = await token('2m');
    const first = await verifier.verify(jwt);
    await expect(verifier.verify(jwt)).resolves.toBe(first);
    // Three minutes on: past the minute it is remembered for, and past exp plus the 30 s tolerance.
    jest.useFakeTimers({ now: Date.now() + 180_000 });
    await expect(verifier.verify(jwt)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('remembers no token past its expiry, even within the minute', async () => {
    const verifier = hs256();
    const jwt = await token('1s');
    await verifier.verify(jwt);
    jest.useFakeTimers({ now: Date.now() + 40_000 });
    await expect(verifier.verify(jwt)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('auth configuration', () => {
  it('refuses to start in production without a verification key', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    expect(() => setUpAuth(config)).toThrow(/No JWT verification key configured.*JWT_SECRET.*JWT_JWKS_URL/);
  });

  it('generates and keeps a development key when none is configured outside production', () => {
    const dataDir = `/tmp/governance-auth-${randomUUID()}`;
    const first = setUpAuth(loadConfig({ DATA_DIR: dataDir }));
    const second = setUpAuth(loadConfig({ DATA_DIR: dataDir }));
    expect(first.developmentSecret).toBeDefined();
    expect(second.developmentSecret).toBe(first.developmentSecret);
  });

  it('refuses test-only domain check settings in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        DOMAIN_CHECK_FILE_SCHEME: 'http',
        DOMAIN_CHECK_ALLOW_PRIVATE: 'true',
      }),
    ).toThrow(/DOMAIN_CHECK_FILE_SCHEME=http.*\n.*DOMAIN_CHECK_ALLOW_PRIVATE/s);
  });
});
