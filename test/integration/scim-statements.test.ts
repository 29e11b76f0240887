import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';

const user = (login: string, externalId: string) => ({
  schemas: [SCIM.user],
  userName: login,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: login, type: 'work' }],
  displayName: 'Test User',
  externalId,
  active: true,
});

/**
 * How many statements one SCIM write sends (item 5 of "One data path": few round trips). Counts,
 * not times: the directory lookup of authentication is included, transaction control is not.
 */
describe('SCIM writes: statements per push', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;
  let organizationId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('counts')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    scim = scimClient(app.url, directory.id, directory.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  /** The tags of the statements one push sends, in order. */
  const counted = async (push: () => Promise<{ status: number }>, status: number) => {
    db.queries.reset();
    const response = await push();
    expect(response.status).toBe(status);
    return db.queries.queries.map((statement) => /\/\* ([\w:.-]+) \*\//.exec(statement)?.[1] ?? statement.slice(0, 40));
  };

  it('a create', async () => {
    const statements = await counted(() => scim.post('/Users', user('count.create@acme.com', 'c-1')), 201);
    // Was 9: the identities, the domain, R8's other organizations' domains and the email's holder
    // were four reads, and the account's insert and the record's sync two writes.
    expect(statements).toEqual([
      'scim:authenticate',
      'scim:createFacts', // the record's identities, the email's domain and holder, R8's other domains
      'syncRecord:createAccountAndRecord', // the account, and the new record linked to it in its synced state
      // The rules' detectors, limited to what the push touched: the rescan would find nothing new.
      // A named statement run with its cached generic plan, planning only for this statement
      // (planned each time it cost 8.5 of the push's 11.7 ms of Postgres CPU at 100,000 accounts).
      'reconcileConflicts:genericPlan',
      'reconcileConflicts',
      'reconcileConflicts:defaultPlan',

      'scim.createUser', // the push history and the audit event, at commit
    ]);
  });

  it('a replace', async () => {
    const created = await scim.post('/Users', user('count.replace@acme.com', 'c-2'));
    const statements = await counted(
      () => scim.put(`/Users/${created.body.id}`, { ...user('count.replace@acme.com', 'c-2'), displayName: 'New' }),
      200,
    );
    // Was 12: the facts were four reads, the desired state had an UPDATE of its own, and two
    // resolveConflicts ran whether or not anything was open (the facts read says what is).
    expect(statements).toEqual([
      'scim:authenticate',
      'scim:replaceFacts', // the record (locked), its account and the facts of its new state
      'syncRecord:synced', // the record's sync, and the account's new display name
      // The rules' detectors, limited to what the push touched: the rescan would find nothing new.
      // A named statement run with its cached generic plan, planning only for this statement
      // (planned each time it cost 8.5 of the push's 11.7 ms of Postgres CPU at 100,000 accounts).
      'reconcileConflicts:genericPlan',
      'reconcileConflicts',
      'reconcileConflicts:defaultPlan',

      'scim.replaceUser',
      'scim:userGroups', // the response's groups
    ]);
  });

  it('a change that answers 409', async () => {
    await scim.post('/Users', user('count.holder@acme.com', 'c-3'));
    const created = await scim.post('/Users', user('count.mover@acme.com', 'c-4'));
    const statements = await counted(
      () =>
        scim.put(`/Users/${created.body.id}`, {
          ...user('count.mover@acme.com', 'c-4'),
          emails: [{ primary: true, value: 'count.holder@acme.com', type: 'work' }],
        }),
      409,
    );
    // Was 11.
    expect(statements).toEqual([
      'scim:authenticate',
      'scim:replaceFacts', // the record (locked), its account and the facts of its new state
      'syncRecord:failed',
      'openConflict',
      // The rules' detectors, limited to what the push touched: the rescan would find nothing new.
      // A named statement run with its cached generic plan, planning only for this statement
      // (planned each time it cost 8.5 of the push's 11.7 ms of Postgres CPU at 100,000 accounts).
      'reconcileConflicts:genericPlan',
      'reconcileConflicts',
      'reconcileConflicts:defaultPlan',
      'scim.replaceUser',
    ]);
  });

  it('the same change repeated, answering 409 again', async () => {
    await scim.post('/Users', user('count.keeper@acme.com', 'c-5'));
    const created = await scim.post('/Users', user('count.again@acme.com', 'c-6'));
    const change = () =>
      scim.put(`/Users/${created.body.id}`, {
        ...user('count.again@acme.com', 'c-6'),
        emails: [{ primary: true, value: 'count.keeper@acme.com', type: 'work' }],
      });
    expect((await change()).status).toBe(409);
    const statements = await counted(change, 409);
    // Was 9: the conflict already open with the same details was read by a statement of its own.
    expect(statements).toEqual([
      'scim:authenticate',
      'scim:replaceFacts',
      'syncRecord:failed',
      'openConflict', // writes nothing, and answers the open conflict
      'reconcileConflicts:genericPlan',
      'reconcileConflicts',
      'reconcileConflicts:defaultPlan',
      'scim.replaceUser',
    ]);
  });
});

/**
 * The reconcile and the facts read are named statements whose plans each connection caches: a
 * migration that changes a table they return whole (here, a column added to conflict while the
 * server runs) must cost a retry, not failed pushes until the connections are recycled.
 */
describe('SCIM writes: named statements across a migration', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('migrating')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    scim = scimClient(app.url, directory.id, directory.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('keeps answering pushes when a table they return changes shape', async () => {
    // Concurrent pushes, so that several pooled connections prepare the statements.
    const push = (i: number) => scim.post('/Users', user(`before.${i}@acme.com`, `before-${i}`));
    expect((await Promise.all([0, 1, 2, 3, 4, 5].map(push))).map((r) => r.status)).toEqual(Array(6).fill(201));
    await db.dataSource.query('ALTER TABLE conflict ADD COLUMN migration_probe text');
    const after = (i: number) => scim.post('/Users', user(`after.${i}@acme.com`, `after-${i}`));
    expect((await Promise.all([0, 1, 2, 3, 4, 5].map(after))).map((r) => r.status)).toEqual(Array(6).fill(201));
  });
});
