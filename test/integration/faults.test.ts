import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { startTcpProxy, throughProxy } from '../support/tcp-proxy';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The database goes away in the middle of a batch of mutations, then comes back. */
describe('database outage during a batch of mutations', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let app: TestServer;
  let token: string;
  let accountIds: string[];
  let directory: { id: string; token: string };
  let serverDb: ReturnType<typeof createDataSource>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('outage')).id;
    accountIds = [];
    for (let i = 0; i < 60; i++) accountIds.push((await given.account(organizationId, `person${i}@outage.example`)).id);
    directory = await given.directory(organizationId, 'Okta');
    const target = new URL(db.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    serverDb = createDataSource({ url: throughProxy(db.url, proxy.port), entities, poolMax: 5 });
    await serverDb.initialize();
    app = await startTestServer(serverDb);
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await serverDb.destroy().catch(() => undefined);
    await proxy.close();
    await db.drop();
  });

  type Suspended = { suspendAccount: { account: { status: string }; userErrors: unknown[] } | null };
  const suspend = (id: string) =>
    app
      .gql<Suspended>(
        `mutation($id: ID!) { suspendAccount(id: $id, reason: "Outage drill") { account { status } userErrors { code } } }`,
        { id },
        { token },
      )
      .catch((error: unknown): GraphQLResponse<Suspended> => ({
        status: 0,
        errors: [{ message: String(error) }],
        data: undefined,
        headers: new Headers(),
      }));

  it('applies each mutation fully with its audit event or not at all, recovers by itself, and loses nothing acknowledged', async () => {
    const acknowledged = new Set<string>();
    const answers: Array<{ status: number; code?: unknown }> = [];
    const ready = () => fetch(`${app.url}/health/ready`).then((response) => response.status);

    const run = async (ids: string[]) => {
      for (const id of ids) {
        const response = await suspend(id);
        answers.push({ status: response.status, code: response.errors?.[0]?.extensions?.code });
        if (response.data?.suspendAccount?.userErrors.length === 0) acknowledged.add(id);
      }
    };
    const batches = [0, 1, 2, 3, 4].map((i) => accountIds.filter((_, index) => index % 5 === i));
    const work = Promise.all(batches.map(run));
    // Cut while the batch is running, once it has acknowledged something (on a loaded machine a
    // fixed 150 ms could pass before the first mutation commits, leaving nothing to check).
    for (let waited = 0; acknowledged.size === 0 && waited < 10_000; waited += 10) await pause(10);
    proxy.cut();
    expect(await ready()).toBe(503);
    await pause(1000);
    proxy.restore();
    await work;

    // Every request got an answer: a success, or a clear "unavailable" to retry.
    for (const answer of answers) {
      expect(answer.status === 200 || (answer.status === 503 && answer.code === 'SERVICE_UNAVAILABLE')).toBe(true);
    }
    expect(answers.some((answer) => answer.status === 503)).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(0);

    // Recovered without a restart: readiness and new mutations work again.
    for (let i = 0; i < 20 && (await ready()) !== 200; i++) await pause(100);
    expect(await ready()).toBe(200);
    const retried = accountIds.filter((id) => !acknowledged.has(id));
    for (const id of retried) {
      const response = await suspend(id);
      // A mutation whose COMMIT reached Postgres before the cut is already applied: a clear refusal, not a second change.
      expect(response.errors).toBeUndefined();
    }

    const rows: Array<{ id: string; status: string; events: number }> = await db.dataSource.query(
      `SELECT a.id, a.status, (SELECT count(*)::int FROM audit_event e WHERE e.target_id = a.id AND e.action = 'suspendAccount') AS events
         FROM account a WHERE a.id = ANY($1::uuid[])`,
      [accountIds],
    );
    for (const row of rows) {
      expect({ id: row.id, status: row.status, events: row.events }).toEqual({
        id: row.id,
        status: 'SUSPENDED',
        events: 1,
      });
    }
    for (const id of acknowledged) expect(rows.find((row) => row.id === id)?.status).toBe('SUSPENDED');
  });

  it('tells a read that it can simply be asked again, and a change that it was not confirmed', async () => {
    const scim = (method: string, body?: unknown) =>
      fetch(`${app.url}/scim/directory/${directory.id}/Users`, {
        method,
        headers: { authorization: `Bearer ${directory.token}`, 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    proxy.cut();
    try {
      const read = await app.gql(`query Queue { accounts(first: 1) { totalCount } }`, undefined, { token });
      expect(read.status).toBe(503);
      expect(read.errors).toEqual([
        expect.objectContaining({
          message: 'The database is unreachable right now; retry shortly.',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        }),
      ]);
      const change = await suspend(accountIds[0]);
      expect(change.status).toBe(503);
      expect(change.errors?.[0].message).toBe(
        'The database is unreachable right now and the change was not confirmed; retry shortly (an idempotencyKey makes the retry safe).',
      );

      const scimRead = await scim('GET');
      expect(scimRead.status).toBe(503);
      expect(((await scimRead.json()) as { detail: string }).detail).toBe(
        'The database is unreachable right now; retry shortly.',
      );
      const scimCreate = await scim('POST', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'new@outage.example',
      });
      expect(scimCreate.status).toBe(503);
      expect(((await scimCreate.json()) as { detail: string }).detail).toContain('the change was not confirmed');
    } finally {
      proxy.restore();
    }
  });
});
