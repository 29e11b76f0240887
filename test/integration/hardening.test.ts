import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { ROUTER_SECRET_HEADER } from '../../src/http/router-secret';

/** Requests an attacker or a broken client sends, against production settings. */
describe('a hardened GraphQL surface (production settings)', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await startTestServer(db.dataSource, {
      nodeEnv: 'production',
      routerSharedSecret: 'router-only-secret',
      rateLimits: { mutationsPerMinute: 12, scimPerMinute: 3 },
      logger: pino({ level: 'info' }, sink),
    });
    token = await app.token(demo.acme.organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const viaRouter = { [ROUTER_SECRET_HEADER]: 'router-only-secret' };
  const post = (body: string, headers: Record<string, string> = viaRouter) =>
    fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body,
    });
  const gql = (query: string, variables?: Record<string, unknown>) =>
    app.gql(query, variables, { token, headers: viaRouter });

  describe('router-only access', () => {
    it('refuses /graphql without the router secret, _entities and _service included', async () => {
      for (const query of [
        '{ accounts { totalCount } }',
        '{ _service { sdl } }',
        '{ _entities(representations: []) { __typename } }',
      ]) {
        const response = await app.gql(query, undefined, { token });
        expect(response.status).toBe(403);
        expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      const wrong = await app.gql('{ _service { sdl } }', undefined, {
        token,
        headers: { [ROUTER_SECRET_HEADER]: 'guess' },
      });
      expect(wrong.status).toBe(403);
    });

    it('answers through the router, and leaves health endpoints open', async () => {
      expect((await gql('{ organization { slug } }')).data).toEqual({ organization: { slug: 'acme' } });
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
    });
  });

  describe('production schema exposure', () => {
    it('hides introspection but still serves _service { sdl } for composition', async () => {
      const introspection = await gql('{ __schema { types { name } } }');
      expect(introspection.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await gql('{ _service { sdl } }')).data).toMatchObject({
        _service: { sdl: expect.stringContaining('@key') },
      });
    });

    it('gives no field suggestions', async () => {
      const response = await gql('{ acounts { totalCount } }');
      expect(response.errors?.[0].message).not.toMatch(/Did you mean/);
    });
  });

  describe('query-shape limits', () => {
    it('refuses a query nested past the depth limit, without telling the limit', async () => {
      let selection = 'id';
      for (let i = 0; i < 10; i++) selection = `account { conflicts { ${selection} } }`;
      const response = await gql(`{ conflicts { edges { node { ${selection} } } } }`);
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.errors?.[0].message).not.toMatch(/\d/);
    });

    it('refuses an alias bomb', async () => {
      const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: organization { name }`).join(' ');
      expect((await gql(`{ ${aliases} }`)).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('refuses a directive flood and a token flood', async () => {
      const directives = Array.from({ length: 60 }, () => '@include(if: true)').join(' ');
      expect((await gql(`{ organization ${directives} { name } }`)).errors?.[0].extensions?.code).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
      const tokens = `{ organization { ${Array.from({ length: 3000 }, () => 'name').join(' ')} } }`;
      expect((await gql(tokens)).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('answers oversized and malformed bodies with a clear 4xx', async () => {
      const huge = await post(JSON.stringify({ query: `{ organization { name } } ${'#'.repeat(1_100_000)}` }));
      expect(huge.status).toBe(413);
      const malformed = await post('{"query": ');
      expect(malformed.status).toBe(400);
      const csrf = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ organization { name } }')}`, {
        headers: viaRouter,
      });
      expect(csrf.status).toBe(400); // a simple GET is a possible CSRF: Apollo's csrfPrevention wants a preflight-forcing header
    });

    // The server's memory under such a barrage is measured by `npm run bench` (hostile scenario).
    it('refuses every request of a barrage of hostile ones', async () => {
      const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: organization { name }`).join(' ')} }`;
      for (let round = 0; round < 20; round++) {
        const [huge, bomb, malformed] = await Promise.all([
          post(JSON.stringify({ query: `{ organization { name } } ${'#'.repeat(1_100_000)}` })),
          post(JSON.stringify({ query: aliasBomb })),
          post('{"query": [[[[[[[[['),
        ]);
        expect([huge.status, bomb.status, malformed.status]).toEqual([413, 400, 400]);
      }
    });
  });

  describe('masked errors', () => {
    it('never sends a stack trace or SQL to the client in production', async () => {
      const response = await gql(`{ accounts(after: "bad") { totalCount } }`);
      expect(response.errors?.[0].extensions?.stacktrace).toBeUndefined();
      expect(JSON.stringify(response)).not.toMatch(/at .*\.ts:\d+|SELECT|node_modules/);
    });
  });

  describe('rate limits', () => {
    it('answers mutations past the per-caller budget with 429 and Retry-After', async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      // The budget holds a whole minute (12 units): the 13th request onwards is over it.
      for (let i = 0; i < 14; i++) {
        const response = await post(
          JSON.stringify({ query: `mutation { detectConflicts(dryRun: true) { openedCount } }` }),
        );
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // Reads are not limited.
      expect((await gql('{ organization { name } }')).status).toBe(200);
    });

    it('answers SCIM requests past the per-directory budget with 429 and Retry-After', async () => {
      const url = `${app.url}/scim/directory/${demo.acme.directories.okta}/Users?count=1`;
      const headers = { authorization: `Bearer ${demo.acme.directoryTokens.okta}` };
      const responses = await Promise.all(Array.from({ length: 8 }, () => fetch(url, { headers })));
      const limited = responses.filter((response) => response.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited[0].json()).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '429',
      });
    });
  });

  describe('secrets', () => {
    it('writes no bearer token, SCIM token or JWT into logs, errors or the audit trail', async () => {
      // Another caller: the rate-limit test spent this one's mutation budget.
      const admin = await app.token(demo.acme.organizationId, undefined, 'secrets-admin');
      const gql = (query: string, variables?: Record<string, unknown>) =>
        app.gql(query, variables, { token: admin, headers: viaRouter });
      const created = await gql(
        `mutation { createDirectory(name: "Secret check", ssoEmailAttribute: "mail", scimEmailAttribute: "mail") { scimToken directory { id } } }`,
      );
      const scimToken = (created.data as { createDirectory: { scimToken: string } }).createDirectory.scimToken;
      const directoryId = (created.data as { createDirectory: { directory: { id: string } } }).createDirectory.directory
        .id;
      const rotated = await gql(`mutation($id: ID!) { rotateDirectoryToken(id: $id) { scimToken } }`, {
        id: directoryId,
      });
      const rotatedToken = (rotated.data as { rotateDirectoryToken: { scimToken: string } }).rotateDirectoryToken
        .scimToken;
      await fetch(`${app.url}/scim/directory/${directoryId}/Users`, {
        headers: { authorization: `Bearer ${scimToken}` },
      }); // revoked now: 401
      await fetch(`${app.url}/scim/directory/${directoryId}/Users`, {
        headers: { authorization: `Bearer ${rotatedToken}` },
      });
      await app.gql('{ organization { name } }', undefined, { token: `${token}tampered`, headers: viaRouter });

      const audit = JSON.stringify(await db.dataSource.query(`SELECT before, after FROM audit_event`));
      const pushes = JSON.stringify(await db.dataSource.query(`SELECT payload, detail FROM scim_push`));
      const logs = logLines.join('');
      for (const secret of [token, admin, scimToken, rotatedToken, demo.acme.directoryTokens.okta]) {
        expect(logs).not.toContain(secret);
        expect(audit).not.toContain(secret);
        expect(pushes).not.toContain(secret);
      }
      expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT of any kind
      expect(logs).toContain('"path":"/graphql"');
    });
  });
});
