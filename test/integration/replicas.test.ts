import { mintToken } from '../../src/auth/tokens';
import { ALL_SCOPES } from '../../src/auth/scopes';
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { TEST_JWT_SECRET } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fixtures } from '../support/fixtures';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/** Two server processes on one database, migrating together and taking concurrent work. */
describe('two replicas on one database', () => {
  let db: TestDatabase;
  let replicas: ServerProcess[] = [];

  beforeAll(async () => {
    // Unmigrated: both processes migrate at start, under one advisory lock.
    db = await createTestDatabase({ migrated: false });
    replicas = await Promise.all(
      [0, 1].map(() => startServerProcess({ DATABASE_URL: db.url, RETRY_INTERVAL_MS: '200' })),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await db.drop();
  });

  it('migrates once, however many replicas start together', async () => {
    const applied = await db.dataSource.query<Array<{ name: string }>>(`SELECT name FROM schema_migration`);
    expect(applied.length).toBe(new Set(applied.map((row) => row.name)).size);
    expect(applied.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps emails unique and conflicts single under concurrent SCIM pushes and mutations on both', async () => {
    // The schema exists now; a fresh connection sees it.
    const data = createDataSource({ url: db.url, entities, poolMax: 4 });
    await data.initialize();
    const given = fixtures(data);
    const organizationId = (await given.organization('replicas')).id;
    await given.domain(organizationId, 'replica.example', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    const holders = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        given.account(organizationId, `taken${i}@replica.example`, { managed: true }),
      ),
    );
    const renamable = await Promise.all(
      Array.from({ length: 10 }, (_, i) => given.account(organizationId, `sam+${i}@replica.example`)),
    );
    const token = await mintToken({
      secret: TEST_JWT_SECRET,
      subject: 'replica-test',
      organizationId,
      scopes: ALL_SCOPES,
    });
    await data.destroy();

    const scim = (replica: ServerProcess, method: string, path: string, body?: unknown) =>
      fetch(`${replica.url}/scim/directory/${directory.id}/${path}`, {
        method,
        headers: { authorization: `Bearer ${directory.token}`, 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const user = (i: number, email = `user${i}@replica.example`) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: `ext-${i}`,
      userName: `user${i}@replica.example`,
      emails: [{ value: email, type: 'work', primary: true }],
      active: true,
    });

    // The same 30 creates sent to both replicas at once (an IdP retrying on another node).
    const creates = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas.map((replica) => scim(replica, 'POST', 'Users', user(i)))).flat(),
    );
    const statuses = creates.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const ids = new Map<number, string>();
    for (const [index, response] of creates.entries()) {
      if (response.status === 201) ids.set(Math.floor(index / 2), ((await response.json()) as { id: string }).id);
    }
    expect(ids.size).toBe(30);

    // Ten users move to addresses other accounts hold, pushed to both replicas at once; and renames on both.
    const moves = Array.from({ length: 10 }, (_, i) =>
      replicas.map((replica) => scim(replica, 'PUT', `Users/${ids.get(i)!}`, user(i, holders[i].email))),
    ).flat();
    const renames = renamable.map((account, i) =>
      fetch(`${replicas[i % 2].url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation($id: ID!) { renameAccountEmail(accountId: $id) { account { email } userErrors { code } } }`,
          variables: { id: account.id },
        }),
      }),
    );
    const answered = await Promise.all([...moves, ...renames]);
    expect(answered.every((response) => response.status < 500)).toBe(true);
    expect(answered.slice(0, moves.length).every((response) => response.status === 409)).toBe(true);

    const [{ accounts, distinctEmails }] = await db.dataSource.query<
      Array<{ accounts: number; distinctEmails: number }>
    >(
      `SELECT count(*)::int AS accounts, count(DISTINCT lower(email))::int AS "distinctEmails" FROM account WHERE organization_id = $1`,
      [organizationId],
    );
    expect(distinctEmails).toBe(accounts);
    const [{ records }] = await db.dataSource.query<Array<{ records: number }>>(
      `SELECT count(*)::int AS records FROM scim_record WHERE directory_id = $1`,
      [directory.id],
    );
    expect(records).toBe(30);
    const [{ duplicated }] = await db.dataSource.query<Array<{ duplicated: number }>>(
      `SELECT count(*)::int AS duplicated FROM (SELECT 1 FROM conflict WHERE status = 'OPEN' GROUP BY organization_id, kind, cause_key HAVING count(*) > 1) d`,
    );
    expect(duplicated).toBe(0);
    const [{ taken }] = await db.dataSource.query<Array<{ taken: number }>>(
      `SELECT count(*)::int AS taken FROM conflict WHERE status = 'OPEN' AND kind = 'EMAIL_TAKEN' AND organization_id = $1`,
      [organizationId],
    );
    expect(taken).toBe(10);
    const placeholders = await db.dataSource.query<Array<{ email: string }>>(
      `SELECT email FROM account WHERE email LIKE 'sam+duplicated%' ORDER BY email`,
    );
    expect(placeholders).toHaveLength(10);
  }, 60_000);

  it('stops both cleanly on SIGTERM', async () => {
    const codes = await Promise.all(replicas.map((replica) => replica.stop()));
    expect(codes).toEqual([0, 0]);
    for (const replica of replicas) expect(replica.output()).toContain('"msg":"stopped"');
  });
});
