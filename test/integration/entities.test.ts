import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Account { id email }
    ... on Domain { id name status }
    ... on Directory { id name }
    ... on ScimRecord { id userName }
    ... on Conflict { id kind }
  }
}`;

describe('_entities: the gateway resolving our entities by key', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;
  let accountIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    token = await app.token(demo.acme.organizationId);
    // A token's organization is looked up once a minute, not per request: warm that, so counts below are the entities' own.
    await app.gql('{ organization { id } }', undefined, { token });
    accountIds = (
      await db.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM account WHERE organization_id = $1 ORDER BY id`,
        [demo.acme.organizationId],
      )
    ).map((row) => row.id);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const entities = (representations: unknown[], withToken: string | null = token) =>
    app.gql<{ _entities: Array<Record<string, unknown> | null> }>(
      ENTITIES,
      { representations },
      { token: withToken ?? undefined },
    );

  it('resolves 100 Account representations in order, null for unknown ones, with one SQL query', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => {
      if (i % 10 === 3) return randomUUID(); // well-formed, unknown
      if (i % 10 === 7) return `unknown-${i}`; // not even an id
      if (i % 10 === 9) return demo.globex.accountIds[i % 3]; // another organization's
      return accountIds[i % accountIds.length];
    });
    db.queries.reset();
    const response = await entities(ids.map((id) => ({ __typename: 'Account', id })));
    expect(response.errors).toBeUndefined();
    const result = response.data!._entities;
    expect(result).toHaveLength(100);
    result.forEach((entity, i) => {
      if (i % 10 === 3 || i % 10 === 7 || i % 10 === 9) expect(entity).toBeNull();
      else expect(entity).toMatchObject({ __typename: 'Account', id: ids[i] });
    });
    expect(db.queries.count).toBe(1);
    expect(db.queries.tagged('entities:Account')).toHaveLength(1);
  });

  it('resolves both keys of Domain, and every other entity type, one query per type', async () => {
    db.queries.reset();
    const response = await entities([
      { __typename: 'Domain', id: demo.acme.domains.acme },
      { __typename: 'Domain', name: 'acme-legacy.com' },
      { __typename: 'Domain', name: 'ACME.DEV' },
      { __typename: 'Directory', id: demo.acme.directories.okta },
      { __typename: 'ScimRecord', id: demo.acme.records.alice },
      { __typename: 'Conflict', id: demo.acme.conflicts.emailTaken },
      { __typename: 'Domain', name: 'globex.com' },
      { __typename: 'Directory', id: demo.globex.directoryId },
    ]);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { __typename: 'Domain', id: demo.acme.domains.acme, name: 'acme.com', status: 'VERIFIED' },
      { __typename: 'Domain', id: demo.acme.domains.legacy, name: 'acme-legacy.com', status: 'VERIFIED' },
      { __typename: 'Domain', id: demo.acme.domains.dev, name: 'acme.dev', status: 'UNVERIFIED' },
      { __typename: 'Directory', id: demo.acme.directories.okta, name: 'Okta' },
      { __typename: 'ScimRecord', id: demo.acme.records.alice, userName: 'alice@acme.com' },
      { __typename: 'Conflict', id: demo.acme.conflicts.emailTaken, kind: 'EMAIL_TAKEN' },
      null,
      null,
    ]);
    const tags = db.queries.tags().sort();
    expect(tags).toEqual([
      'loader:conflictById',
      'loader:directoryById',
      'loader:domainById',
      'loader:domainByName',
      'loader:scimRecordById',
    ]);
  });

  it('needs a caller with read access', async () => {
    const response = await entities([{ __typename: 'Account', id: accountIds[0] }], null);
    expect(response.data?._entities ?? [null]).toEqual([null]);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
