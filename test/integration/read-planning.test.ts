import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';

/**
 * Root list fields and `_entities` are planned from the selection: the page and the relations
 * its nodes ask for in one statement, priming the DataLoaders. These pin the statement counts,
 * and that a planned read answers exactly what the unplanned one (`conflict(id:)`,
 * `account(id:)`, resolved by the loaders alone) answers for the same node.
 */
const QUEUE_FIELDS = `id kind status summary detectedAt
  account { id email status managed version createdAt claimedAt }
  conflictingAccount { id email status managed }
  scimRecord { id userName email syncStatus lastError lastSyncedAt }
  directory { id name mappingConsistent tokenIssuedAt }
  domain { id name status verifiedAt }
  remediation { position action automated arguments description done }`;

const ACCOUNT_FIELDS = `id email status managed createdAt
  domain { id name status }
  idpManaged
  scimRecords { id userName syncStatus }
  open: conflicts(status: OPEN) { id kind detectedAt }
  all: conflicts { id status }`;

describe('reads planned from the selection', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    token = await app.token(demo.acme.organizationId);
    // A token's organization is looked up once a minute, not per request: warm that, so counts below are the reads' own.
    await app.gql('{ organization { id } }', undefined, { token });
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const query = async <T>(text: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(text, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data as T;
  };
  /** Runs `text` and answers its data with the tags of the statements it cost. */
  const counted = async <T>(text: string, variables?: Record<string, unknown>) => {
    db.queries.reset();
    const data = await query<T>(text, variables);
    const tags = db.queries.queries.map((sql) => /\/\* ([\w:.-]+) \*\//.exec(sql)?.[1] ?? sql.slice(0, 40));
    return { data, tags };
  };

  it('reads the conflict queue, its relations and remediation in one statement', async () => {
    const { data, tags } = await counted<{ conflicts: { edges: Array<{ node: Record<string, unknown> }> } }>(
      `{ conflicts(first: 50, filter: { status: OPEN }) { edges { cursor node { ${QUEUE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(tags).toEqual(['conflicts']);
    const nodes = data.conflicts.edges.map((edge) => edge.node);
    expect(nodes.length).toBeGreaterThan(3);
    // Every relation kind is exercised by the demo data.
    for (const relation of ['account', 'conflictingAccount', 'scimRecord', 'directory', 'domain'])
      expect(nodes.some((node) => node[relation] !== null)).toBe(true);
    for (const node of nodes) {
      const one = await query<{ conflict: unknown }>(`query($id: ID!) { conflict(id: $id) { ${QUEUE_FIELDS} } }`, {
        id: node.id,
      });
      expect(one.conflict).toEqual(node);
    }
  });

  it('reads only the columns a queue of columns asks for, answering what the loaders answer', async () => {
    const columns = `id kind status email summary detectedAt closedAt account { id email status managed createdAt }
      conflictingAccount { email } scimRecord { userName lastError lastSyncedAt } directory { name ssoEmailAttribute }
      domain { name verifiedAt }`;
    let nodes: Array<Record<string, unknown>> = [];
    for (const fields of [columns, `${columns} remediation { action arguments description done }`]) {
      const { data, tags } = await counted<{ conflicts: { edges: Array<{ node: Record<string, unknown> }> } }>(
        `{ conflicts(first: 50) { edges { node { ${fields} } } } }`,
      );
      expect(tags).toEqual(['conflicts']);
      nodes = data.conflicts.edges.map((edge) => edge.node);
      for (const relation of ['account', 'conflictingAccount', 'scimRecord', 'directory', 'domain'])
        expect(nodes.some((node) => node[relation] !== null)).toBe(true);
      for (const node of nodes) {
        const one = await query<{ conflict: unknown }>(`query($id: ID!) { conflict(id: $id) { ${fields} } }`, {
          id: node.id,
        });
        expect(one.conflict).toEqual(node);
      }
    }
    // Another root field asking for more of a queued account gets it whole.
    const id = (nodes.find((node) => node.account !== null)?.account as { id: string }).id;
    const alone = await query<{ account: unknown }>(
      `query($id: ID!) { account(id: $id) { id displayName createdAt claimedAt } }`,
      { id },
    );
    const both = await query<{ account: unknown }>(
      `query($id: ID!) { conflicts(first: 50) { edges { node { account { id email } } } }
         account(id: $id) { id displayName createdAt claimedAt } }`,
      { id },
    );
    expect(both.account).toEqual(alone.account);
  });

  it('reads the queue through fragments and aliases, still in one statement', async () => {
    const { data, tags } = await counted<{ conflicts: { edges: Array<{ node: { who: unknown } }> } }>(
      `query { conflicts(first: 50) { edges { node { ...Row } } } }
       fragment Row on Conflict { id who: account { email } ... on Conflict { holder: conflictingAccount { email } } }`,
    );
    expect(tags).toEqual(['conflicts']);
    expect(data.conflicts.edges.some((edge) => edge.node.who !== null)).toBe(true);
  });

  it('leaves deeper relations to the loaders: one batched statement per level', async () => {
    const { tags } = await counted(
      `{ conflicts(first: 50) { edges { node { account { email domain { name } conflicts { id } } } } } }`,
    );
    expect(tags.sort()).toEqual(['conflicts', 'loader:conflictsByAccount', 'loader:domainByName']);
  });

  it('reads an account search with domain, SCIM records and conflicts of each status in one statement', async () => {
    const { data, tags } = await counted<{ accounts: { edges: Array<{ node: Record<string, unknown> }> } }>(
      `query($prefix: String!) { accounts(filter: { emailPrefix: $prefix }, first: 20) { edges { node { ${ACCOUNT_FIELDS} } } } }`,
      { prefix: '' },
    );
    expect(tags).toEqual(['accounts']);
    const nodes = data.accounts.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(20);
    const prefixed = await counted<{ accounts: { edges: unknown[] } }>(
      `{ accounts(filter: { emailPrefix: "ALICE" }, first: 20) { edges { node { id domain { name } conflicts(status: OPEN) { kind } } } } }`,
    );
    expect(prefixed.tags).toEqual(['accounts']);
    expect(prefixed.data.accounts.edges.length).toBeGreaterThan(0);
    const all = await query<{ accounts: { edges: Array<{ node: Record<string, unknown> }> } }>(
      `{ accounts(first: 100) { edges { node { ${ACCOUNT_FIELDS} } } } }`,
    );
    const everyNode = all.accounts.edges.map((edge) => edge.node);
    for (const relation of ['domain', 'open'])
      expect(everyNode.some((node) => node[relation] !== null && (node[relation] as unknown[]).length !== 0)).toBe(
        true,
      );
    expect(everyNode.some((node) => node.idpManaged === true)).toBe(true);
    for (const node of everyNode) {
      const one = await query<{ account: unknown }>(`query($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`, {
        id: node.id,
      });
      expect(one.account).toEqual(node);
    }
  });

  it('resolves Account entities with the relations asked for in one statement', async () => {
    const accounts = await query<{ accounts: { edges: Array<{ node: { id: string } }> } }>(
      `{ accounts(first: 30) { edges { node { id } } } }`,
    );
    const ids = accounts.accounts.edges.map((edge) => edge.node.id);
    const { data, tags } = await counted<{ _entities: Array<Record<string, unknown> | null> }>(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { ${ACCOUNT_FIELDS} } } }`,
      {
        representations: [...ids, demo.globex.accountIds[0], 'not-an-id'].map((id) => ({ __typename: 'Account', id })),
      },
    );
    expect(tags).toEqual(['entities:Account']);
    expect(data._entities.slice(-2)).toEqual([null, null]);
    for (const [i, id] of ids.entries()) {
      const one = await query<{ account: unknown }>(`query($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`, {
        id,
      });
      expect(data._entities[i]).toEqual(one.account);
    }
  });

  it('resolves Account entities asking for columns only with those columns, answering what the loaders answer', async () => {
    const fields = 'id email status managed displayName createdAt claimedAt version';
    const accounts = await query<{ accounts: { edges: Array<{ node: { id: string } }> } }>(
      `{ accounts(first: 30) { edges { node { id } } } }`,
    );
    const ids = accounts.accounts.edges.map((edge) => edge.node.id);
    const { data, tags } = await counted<{ _entities: Array<Record<string, unknown> | null> }>(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Account { ${fields} } } }`,
      {
        representations: [...ids, ids[0].toUpperCase(), demo.globex.accountIds[0], 'not-an-id'].map((id) => ({
          __typename: 'Account',
          id,
        })),
      },
    );
    expect(tags).toEqual(['entities:Account']);
    expect(data._entities.slice(-2)).toEqual([null, null]);
    expect(data._entities[ids.length]).toEqual(data._entities[0]);
    for (const [i, id] of ids.entries()) {
      const one = await query<{ account: unknown }>(`query($id: ID!) { account(id: $id) { ${fields} } }`, { id });
      expect(data._entities[i]).toEqual({ __typename: 'Account', ...(one.account as object) });
    }
  });

  it('plans nothing for a caller the reference resolvers refuse', async () => {
    db.queries.reset();
    const response = await app.gql(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { id } } }`,
      { representations: [{ __typename: 'Account', id: demo.acme.accounts.bob }] },
    );
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(db.queries.tagged('entities:Account')).toHaveLength(0);
  });
});
