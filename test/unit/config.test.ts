import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine: embedded Postgres under ./.data, migrations on', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      databaseUrl: undefined,
      migrateOnStart: true,
      dbPoolMax: 10,
      dbPreparedStatements: true,
    });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/gov',
      MIGRATE_ON_START: 'false',
      DB_POOL_MAX: '25',
      DB_PREPARED_STATEMENTS: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'x'.repeat(32),
      JWT_ISSUER: 'https://issuer',
      JWT_AUDIENCE: 'governance',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/gov',
      migrateOnStart: false,
      dbPoolMax: 25,
      dbPreparedStatements: false,
      logLevel: 'warn',
      auth: { jwtSecret: 'x'.repeat(32), issuer: 'https://issuer', audience: 'governance' },
    });
  });

  it('names every bad variable at once, and never echoes a database password', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        MIGRATE_ON_START: 'maybe',
        DATABASE_URL: 'mysql://root:hunter2@db/x',
        JWT_SECRET: 'short',
        NODE_ENV: 'staging',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'MIGRATE_ON_START', 'DATABASE_URL', 'JWT_SECRET', 'NODE_ENV'])
      expect(problems).toContain(name);
    expect(problems).not.toContain('hunter2');
  });

  it('takes METRICS_TOKEN only long enough and made of bearer-token characters, never echoing it', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    const token = 'a'.repeat(24) + '-._~+/0123=';
    expect(loadConfig({ METRICS_TOKEN: token }).metricsToken).toBe(token);
    for (const [value, problem] of [
      ['short-secret-1234', 'METRICS_TOKEN must be at least 32 characters (got 17)'],
      ['has a space in it and is long enough', 'METRICS_TOKEN may hold only letters, digits and - . _ ~ + / ='],
    ]) {
      let error: unknown;
      try {
        loadConfig({ METRICS_TOKEN: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toContain(problem);
      expect((error as ConfigError).message).not.toContain(value);
    }
  });

  it('reads the rate limits and which proxies name the client, refusing a TRUST_PROXY that trusts anyone', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      mutationsPerMinute: 600,
      scimPerMinute: 6000,
      scimAuthFailuresPerMinute: 60,
    });
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ RATE_LIMIT_SCIM_AUTH_FAILURES_PER_MINUTE: '0' }).rateLimits.scimAuthFailuresPerMinute).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).trustProxy).toBe('loopback,10.0.0.0/8,fd00::1');
    for (const bad of ['true', 'everyone', '10.0.0.0/8/1'])
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });
});
