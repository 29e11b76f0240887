import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { startTestServer, type TestServer } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fixtures } from '../support/fixtures';
import { scimClient } from '../support/scim-client';

const MUTATIONS_PER_MINUTE = 60;
const SCIM_PER_MINUTE = 6;
const SCIM_AUTH_FAILURES_PER_MINUTE = 5;

/**
 * Budgets count work (root mutation fields, bulk argument lengths) and live in Postgres, so two
 * servers on one database spend one budget. Two servers in this process, each with its own pool.
 */
describe('rate limits', () => {
  let db: TestDatabase;
  let second: DataSource;
  let a: TestServer;
  let b: TestServer;
  let organizationId: string;
  let directory: { id: string; token: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    second = createDataSource({ url: db.url, entities, poolMax: 4 });
    await second.initialize();
    const rateLimits = {
      mutationsPerMinute: MUTATIONS_PER_MINUTE,
      scimPerMinute: SCIM_PER_MINUTE,
      scimAuthFailuresPerMinute: SCIM_AUTH_FAILURES_PER_MINUTE,
    };
    a = await startTestServer(db.dataSource, { rateLimits });
    b = await startTestServer(second, { rateLimits });
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('limited')).id;
    await given.domain(organizationId, 'limited.example', { verified: true });
    directory = await given.directory(organizationId, 'Okta');
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await second.destroy();
    await db.drop();
  });

  const accounts = (prefix: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, n) =>
        fixtures(db.dataSource).account(organizationId, `${prefix}${n}@limited.example`),
      ),
    );
  /** One request that claims each account through its own aliased claimAccount. */
  const aliasedClaims = (ids: string[]) =>
    `mutation { ${ids.map((id, n) => `c${n}: claimAccount(accountId: "${id}") { userErrors { code } }`).join(' ')} }`;
  const managed = async (ids: string[]) =>
    (
      await db.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM account WHERE id = ANY($1) AND managed`,
        [ids],
      )
    )[0].n;

  it('counts every aliased mutation: two requests of 30 spend a budget of 60, the third runs nothing', async () => {
    const token = await a.token(organizationId, undefined, 'aliases');
    const batches = [await accounts('alias-a', 30), await accounts('alias-b', 30), await accounts('alias-c', 30)];
    const responses = [];
    for (const batch of batches)
      responses.push(await a.gql(aliasedClaims(batch.map((x) => x.id)), undefined, { token }));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(responses[2].errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(Number(responses[2].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(responses[2].data ?? null).toBeNull();
    expect(await managed(batches[0].map((x) => x.id))).toBe(30);
    expect(await managed(batches[2].map((x) => x.id))).toBe(0);
  });

  it('counts a bulk argument by its length, in variables or inline', async () => {
    const token = await a.token(organizationId, undefined, 'bulk');
    const bulk = await a.gql(
      `mutation($ids: [ID!]!) { claimAccounts(ids: $ids) { userErrors { code } } }`,
      { ids: Array.from({ length: 40 }, () => randomUUID()) },
      { token },
    );
    expect(bulk.status).toBe(200);
    const inline = Array.from({ length: 30 }, () => `"${randomUUID()}"`).join(', ');
    const over = await a.gql(`mutation { claimAccounts(ids: [${inline}]) { userErrors { code } } }`, undefined, {
      token,
    });
    expect(over.status).toBe(429);
    expect(over.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it("refuses a request costing more than a whole minute's budget as bad input: waiting would not help", async () => {
    const token = await a.token(organizationId, undefined, 'huge');
    const response = await a.gql(
      `mutation($ids: [ID!]!) { claimAccounts(ids: $ids) { userErrors { code } } }`,
      { ids: Array.from({ length: MUTATIONS_PER_MINUTE + 1 }, () => randomUUID()) },
      { token },
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toMatch(/61 units.*60 a minute/);
  });

  it('answers a mutation whose variables do not coerce as bad input, counting it without failing', async () => {
    const token = await a.token(organizationId, undefined, 'careless');
    const response = await a.gql(
      `mutation($skip: Boolean!) { claimAccount(accountId: "${randomUUID()}") @skip(if: $skip) { userErrors { code } } }`,
      {},
      { token },
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  // The budgets refill continuously (60 a minute: one unit a second), so refusals below ask for
  // more than a slow machine could have refilled meanwhile.
  it('shares one caller’s mutation budget between two servers on one database', async () => {
    const onA = await a.token(organizationId, undefined, 'replicated');
    const onB = await b.token(organizationId, undefined, 'replicated');
    const [batchA, batchB] = [await accounts('replica-a', 30), await accounts('replica-b', 30)];
    const first = await a.gql(aliasedClaims(batchA.map((x) => x.id)), undefined, { token: onA });
    const second = await b.gql(aliasedClaims(batchB.map((x) => x.id)), undefined, { token: onB });
    expect([first.status, second.status]).toEqual([200, 200]);
    const ten = () => Array.from({ length: 10 }, () => randomUUID());
    const refusedOnA = await a.gql(aliasedClaims(ten()), undefined, { token: onA });
    const refusedOnB = await b.gql(aliasedClaims(ten()), undefined, { token: onB });
    expect([refusedOnA.status, refusedOnB.status]).toEqual([429, 429]);
  });

  it('shares a directory’s SCIM budget between two servers on one database', async () => {
    const onA = scimClient(a.url, directory.id, directory.token);
    const onB = scimClient(b.url, directory.id, directory.token);
    const spent = await Promise.all(Array.from({ length: SCIM_PER_MINUTE }, () => onA.get('/Users?count=1')));
    expect(spent.every((response) => response.status === 200)).toBe(true);
    // One unit refills every 10 s: the first request on B finds the budget empty.
    const refused = await onB.get('/Users?count=1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers invalid SCIM tokens past the per-address budget with 429, without looking them up', async () => {
    const given = fixtures(db.dataSource);
    const provenDirectory = await given.directory(organizationId, 'Entra');
    const proven = scimClient(a.url, provenDirectory.id, provenDirectory.token);
    expect((await proven.get('/Users?count=1')).status).toBe(200);
    const guessing = scimClient(a.url, directory.id, 'not-a-real-token');
    const statuses: number[] = [];
    for (let n = 0; n < SCIM_AUTH_FAILURES_PER_MINUTE; n++) statuses.push((await guessing.get('/Users')).status);
    expect(statuses).toEqual(Array(SCIM_AUTH_FAILURES_PER_MINUTE).fill(401));

    const lookups = db.queries.tagged('scim:authenticate').length;
    const refused = await scimClient(a.url, directory.id, 'another-guess').get('/Users');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ status: '429' });
    expect(db.queries.tagged('scim:authenticate').length).toBe(lookups);

    // An IdP whose token proved itself here lately goes on working from the same address.
    expect((await proven.get('/Users?count=1')).status).toBe(200);
    // A valid token this process has not seen waits like the guesses: it cannot be told apart unlooked-up.
    const unseenDirectory = await given.directory(organizationId, 'Google');
    expect((await scimClient(a.url, unseenDirectory.id, unseenDirectory.token).get('/Users')).status).toBe(429);
  });

  it('counts failed authentications per client as the trusted proxy names it (TRUST_PROXY)', async () => {
    const behindProxy = await startTestServer(db.dataSource, {
      trustProxy: 'loopback',
      rateLimits: { scimAuthFailuresPerMinute: 2 },
    });
    try {
      const guess = (client: string) =>
        scimClient(behindProxy.url, directory.id, 'guess').get('/Users', { 'x-forwarded-for': client });
      expect([(await guess('203.0.113.1')).status, (await guess('203.0.113.1')).status]).toEqual([401, 401]);
      expect((await guess('203.0.113.1')).status).toBe(429);
      expect((await guess('203.0.113.2')).status).toBe(401);
    } finally {
      await behindProxy.stop();
    }
  });
});
