import { isIP } from 'node:net';
import path from 'node:path';

/** How domains/domain-checker.ts checks a domain's proof (DNS TXT record, verification file). */
export interface DomainCheckerOptions {
  /** 'host:port' or 'host' ('[::1]:53' for IPv6 with a port); empty = the system resolvers. */
  dnsServers: string[];
  /** Bound on a whole check: every DNS query, connection, redirect and the body. */
  timeoutMs: number;
  /** Largest verification file accepted, in bytes. */
  maxBytes: number;
  fileScheme: 'https' | 'http';
  filePort?: number;
  /** Only for tests and closed networks: lets the file check connect to loopback or private addresses. */
  allowPrivateAddresses: boolean;
}

/** How often workflows/retry-worker.ts looks for due FAILED records, and how many it takes at once. */
export interface RetryWorkerOptions {
  intervalMs: number;
  batchSize: number;
}

/** How webhooks/webhook.worker.ts delivers the outbox. */
export interface WebhookWorkerOptions {
  intervalMs: number;
  batchSize: number;
  /** Bound on one delivery: connection, request and answer. */
  timeoutMs: number;
  /** Attempts before a delivery is given up (FAILED). */
  maxAttempts: number;
  /** Delay after the first failure; doubled after each next one (capped at an hour). */
  retryBaseMs: number;
  /** DELIVERED and FAILED deliveries older than this are deleted from the log. */
  retentionDays: number;
  /** The domain check's test-only switch (DOMAIN_CHECK_ALLOW_PRIVATE): plain http, loopback and private targets. */
  allowPrivateAddresses: boolean;
}

/**
 * Every setting the service reads from the environment, parsed and validated once at start-up.
 * A bad value stops the process with a message naming the variable, never a crash later.
 */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** Unset: start an embedded Postgres under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number | undefined;
  migrateOnStart: boolean;
  dbPoolMax: number;
  /** Named (prepared) statements on hot paths (DB_PREPARED_STATEMENTS); off behind a pooler that does not keep them per client. */
  dbPreparedStatements: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeoutMs: number;
  auth: AuthConfig;
  domainCheck: DomainCheckerOptions;
  retryWorker: RetryWorkerOptions & { enabled: boolean };
  webhooks: WebhookWorkerOptions & { enabled: boolean };
  /** GraphQL idempotency keys older than this are forgotten. */
  idempotencyTtlHours: number;
  /** Set: /graphql answers only requests carrying it in x-router-secret (the router adds it). */
  routerSharedSecret: string | undefined;
  /** Set: /metrics answers only `Authorization: Bearer <it>`. Unset: open in development, 403 in production. */
  metricsToken: string | undefined;
  /**
   * Units of work a minute per caller (GraphQL mutations) and per directory (SCIM requests), shared
   * by every replica through Postgres; failed SCIM authentications per client address, per
   * process. 0 turns a limit off.
   */
  rateLimits: { mutationsPerMinute: number; scimPerMinute: number; scimAuthFailuresPerMinute: number };
  /**
   * Express' `trust proxy`: which hops' X-Forwarded-For to believe when naming a client's address
   * (a hop count, or addresses, subnets and presets such as `loopback`). false: the socket's peer.
   */
  trustProxy: number | string | false;
}

export interface AuthConfig {
  /** HS256 shared secret. */
  jwtSecret: string | undefined;
  /** RS256/ES256 keys published as a JWKS. */
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  clockToleranceSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number;
  integer(name: string, fallback: undefined, min: number, max: number): number | undefined;
  integer(name: string, fallback: number | undefined, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      }
    } catch {
      // Never echo the value: a database URL carries its password.
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }
}

/** A hop count, or a list Express understands; never `true`, which believes any client's X-Forwarded-For. */
function readTrustProxy(read: EnvReader): number | string | false {
  const value = read.string('TRUST_PROXY');
  if (value === undefined || value.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(value)) return read.integer('TRUST_PROXY', 0, 0, 10) || false;
  if (value.toLowerCase() === 'true') {
    read.problems.push(
      "TRUST_PROXY=true would believe any client's X-Forwarded-For; give the number of proxies in front, or their addresses",
    );
    return false;
  }
  const isAddressOrSubnet = (item: string) => {
    const [address, ...prefix] = item.split('/');
    return isIP(address) !== 0 && (prefix.length === 0 || (prefix.length === 1 && /^\d{1,3}$/.test(prefix[0])));
  };
  const items = value.split(',').map((item) => item.trim());
  if (!items.every((item) => ['loopback', 'linklocal', 'uniquelocal'].includes(item) || isAddressOrSubnet(item))) {
    read.problems.push(
      `TRUST_PROXY must be a hop count or a comma-separated list of addresses, subnets, loopback, linklocal, uniquelocal (got "${value}")`,
    );
    return false;
  }
  return items.join(',');
}

export function loadConfig(env: Env = process.env): Config {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const jwtSecret = read.string('JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    read.problems.push('JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)');
  }

  const metricsToken = read.string('METRICS_TOKEN');
  if (metricsToken !== undefined) {
    // Never echo it: like the other secrets, it may end up in a deployment log.
    if (metricsToken.length < 32)
      read.problems.push(`METRICS_TOKEN must be at least 32 characters (got ${metricsToken.length})`);
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(metricsToken))
      read.problems.push(
        'METRICS_TOKEN may hold only letters, digits and - . _ ~ + / = (it is sent as a bearer token)',
      );
  }

  const config: Config = {
    nodeEnv,
    host: read.string('HOST') ?? '0.0.0.0',
    port: read.integer('PORT', 4000, 0, 65535),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(read.string('DATA_DIR') ?? '.data'),
    embeddedPostgresPort: read.integer('EMBEDDED_PG_PORT', undefined, 1024, 65535),
    migrateOnStart: read.boolean('MIGRATE_ON_START', true),
    dbPoolMax: read.integer('DB_POOL_MAX', 10, 1, 200),
    dbPreparedStatements: read.boolean('DB_PREPARED_STATEMENTS', true),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    auth: {
      jwtSecret,
      jwksUrl: read.url('JWT_JWKS_URL', ['https:', 'http:']),
      issuer: read.string('JWT_ISSUER'),
      audience: read.string('JWT_AUDIENCE'),
      clockToleranceSeconds: read.integer('JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 3600),
    },
    routerSharedSecret: read.string('ROUTER_SHARED_SECRET'),
    metricsToken,
    rateLimits: {
      mutationsPerMinute: read.integer('RATE_LIMIT_MUTATIONS_PER_MINUTE', 600, 0, 1_000_000),
      scimPerMinute: read.integer('RATE_LIMIT_SCIM_PER_MINUTE', 6000, 0, 10_000_000),
      scimAuthFailuresPerMinute: read.integer('RATE_LIMIT_SCIM_AUTH_FAILURES_PER_MINUTE', 60, 0, 1_000_000),
    },
    trustProxy: readTrustProxy(read),
    retryWorker: {
      enabled: read.boolean('RETRY_WORKER_ENABLED', true),
      intervalMs: read.integer('RETRY_INTERVAL_MS', 15_000, 100, 3_600_000),
      batchSize: read.integer('RETRY_BATCH_SIZE', 50, 1, 10_000),
    },
    webhooks: {
      enabled: read.boolean('WEBHOOK_WORKER_ENABLED', true),
      intervalMs: read.integer('WEBHOOK_INTERVAL_MS', 5_000, 100, 3_600_000),
      batchSize: read.integer('WEBHOOK_BATCH_SIZE', 20, 1, 1_000),
      timeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      maxAttempts: read.integer('WEBHOOK_MAX_ATTEMPTS', 10, 1, 50),
      retryBaseMs: read.integer('WEBHOOK_RETRY_BASE_MS', 30_000, 10, 3_600_000),
      retentionDays: read.integer('WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
      allowPrivateAddresses: false,
    },
    idempotencyTtlHours: read.integer('IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 30),
    domainCheck: {
      dnsServers: (read.string('DNS_SERVERS') ?? '')
        .split(',')
        .map((server) => server.trim())
        .filter(Boolean),
      timeoutMs: read.integer('DOMAIN_CHECK_TIMEOUT_MS', 5000, 100, 60_000),
      maxBytes: read.integer('DOMAIN_CHECK_MAX_BYTES', 4096, 64, 1_048_576),
      fileScheme: read.oneOf('DOMAIN_CHECK_FILE_SCHEME', ['https', 'http'] as const, 'https'),
      filePort: read.integer('DOMAIN_CHECK_FILE_PORT', undefined, 1, 65535),
      allowPrivateAddresses: read.boolean('DOMAIN_CHECK_ALLOW_PRIVATE', false),
    },
  };

  // The same switch as the domain file check: one place says whether private addresses are reachable.
  config.webhooks.allowPrivateAddresses = config.domainCheck.allowPrivateAddresses;

  if (nodeEnv === 'production' && config.domainCheck.fileScheme === 'http') {
    read.problems.push('DOMAIN_CHECK_FILE_SCHEME=http is for tests; production verifies files over https');
  }
  if (nodeEnv === 'production' && config.domainCheck.allowPrivateAddresses) {
    read.problems.push('DOMAIN_CHECK_ALLOW_PRIVATE=true is for tests; production never fetches from private addresses');
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
