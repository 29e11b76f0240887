import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createServer, type GovernanceServer } from '../../src/server';
import { TokenVerifier, mintToken } from '../../src/auth/tokens';
import { ALL_SCOPES, type Scope } from '../../src/auth/scopes';
import type { Config } from '../../src/config';
import type { DomainCheckerOptions } from '../../src/domains/domain-checker';
import type { Logger } from 'pino';
import { firstOrganizationAdminToken } from '../../src/auth/dev-tokens';

export const TEST_JWT_SECRET = 'test-only-secret-that-is-long-enough-for-hs256';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  headers: Headers;
}

export interface TestServer {
  url: string;
  server: GovernanceServer;
  token(organizationId: string, scopes?: Scope[], subject?: string): Promise<string>;
  /** POSTs a GraphQL request; `token` may be a string, or an organization id to mint an all-scopes token for. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** The real HTTP server on a free port, against the given database, with a test signing key. */
export interface TestServerOptions {
  domainCheck?: Partial<DomainCheckerOptions>;
  routerSharedSecret?: string;
  trustProxy?: Config['trustProxy'];
  rateLimits?: Partial<Config['rateLimits']>;
  nodeEnv?: Config['nodeEnv'];
  metricsToken?: string;
  /** Where log lines go (tests that inspect logs pass a stream). */
  logger?: Logger;
  /** Mint development admin tokens (the GraphQL IDE prefills one), as `npm start` does without JWT configuration. */
  developmentTokens?: boolean;
}

export async function startTestServer(dataSource: DataSource, options: TestServerOptions = {}): Promise<TestServer> {
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const verifier = new TokenVerifier({
    jwtSecret: TEST_JWT_SECRET,
    jwksUrl: undefined,
    issuer: undefined,
    audience: undefined,
    clockToleranceSeconds: 5,
  });
  const domainCheck: DomainCheckerOptions = {
    // Tests that verify domains pass their own loopback DNS and HTTP servers.
    dnsServers: ['127.0.0.1:9'],
    timeoutMs: 1000,
    maxBytes: 4096,
    fileScheme: 'http',
    filePort: undefined,
    allowPrivateAddresses: true,
    ...options.domainCheck,
  };
  const config = {
    nodeEnv: options.nodeEnv ?? 'test',
    shutdownTimeoutMs: 2000,
    domainCheck,
    routerSharedSecret: options.routerSharedSecret,
    metricsToken: options.metricsToken,
    trustProxy: options.trustProxy ?? false,
    // Off unless a test is about them: suites send many requests from one caller.
    rateLimits: { mutationsPerMinute: 0, scimPerMinute: 0, scimAuthFailuresPerMinute: 0, ...options.rateLimits },
  } as const;
  const token = (organizationId: string, scopes: Scope[] = ALL_SCOPES, subject = 'test-admin') =>
    mintToken({ secret: TEST_JWT_SECRET, organizationId, scopes, subject });
  const developmentToken = options.developmentTokens
    ? () => firstOrganizationAdminToken(dataSource, (organizationId) => token(organizationId, ALL_SCOPES, 'dev-admin'))
    : undefined;
  const server = await createServer({ config, dataSource, logger, verifier, developmentToken });
  const url = await server.listen(0);
  return {
    url,
    server,
    token,
    async gql(query, variables, options = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: never };
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    stop: () => server.stop(),
  };
}
