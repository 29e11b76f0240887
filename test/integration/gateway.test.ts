import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { composeSupergraph } from '../../src/federation/compose';
import { SDL_PATH } from '../../src/schema-emit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { HR_SDL, demoEmployees, startHrSubgraph } from '../support/hr-subgraph';

/** A real gateway in this process, composed by @apollo/composition, recording what it sends each subgraph. */
async function startGateway(subgraphs: Array<{ name: string; url: string; sdl: string }>) {
  const composed = composeSupergraph(subgraphs, 'apollo-gateway');
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  const sent: Array<{ subgraph: string; query: string }> = [];
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          sent.push({ subgraph: name, query: request.query ?? '' });
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer<{ authorization?: string }>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  const query = async <T>(document: string, variables?: Record<string, unknown>, token?: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: document, variables }),
    });
    return (await response.json()) as {
      data?: T;
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    };
  };
  return { query, sent, stop: () => server.stop() };
}

describe('federation through a real gateway (@apollo/gateway)', () => {
  let db: TestDatabase;
  let governance: TestServer;
  let hr: Awaited<ReturnType<typeof startHrSubgraph>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    governance = await startTestServer(db.dataSource);
    hr = await startHrSubgraph(demoEmployees(demo));
    gateway = await startGateway([
      { name: 'governance', url: `${governance.url}/graphql`, sdl: readFileSync(SDL_PATH, 'utf8') },
      { name: 'hr', url: hr.url, sdl: HR_SDL },
    ]);
    token = await governance.token(demo.acme.organizationId, undefined, 'portal@acme.com');
  });
  afterAll(async () => {
    await gateway?.stop();
    await hr?.stop();
    await governance?.stop();
    await db?.drop();
  });

  it("answers a portal query from governance into HR and back (conflicts -> employee numbers -> managers' emails)", async () => {
    const result = await gateway.query<{ conflicts: { edges: Array<{ node: any }> } }>(
      `{ conflicts(first: 50, filter: { kind: EMAIL_TAKEN, status: OPEN }) { edges { node {
          summary
          account { email employeeNumber manager { email employeeNumber } }
          conflictingAccount { email employeeNumber }
          scimRecord { userName } directory { name } remediation { action }
      } } } }`,
      undefined,
      token,
    );
    expect(result.errors).toBeUndefined();
    const alice = result
      .data!.conflicts.edges.map((edge) => edge.node)
      .find((node) => node.account.email === 'alice@acme.com');
    expect(alice).toMatchObject({
      account: {
        email: 'alice@acme.com',
        employeeNumber: 'E-1002',
        manager: { email: 'grace.lee@acme.com', employeeNumber: 'E-1001' },
      },
      conflictingAccount: { email: 'alice.smith@acme.com', employeeNumber: 'E-1003' },
      scimRecord: { userName: 'alice@acme.com' },
      directory: { name: 'Okta' },
      remediation: [{ action: 'renameAccountEmail' }, { action: 'resyncScimRecord' }],
    });
  });

  it('answers an HR query that reaches into governance (employees -> accounts, conflicts, domains by name)', async () => {
    const result = await gateway.query<{ employees: any[] }>(
      `{ employees { employeeNumber account { email idpManaged conflicts(status: OPEN) { kind } } workDomain { name status claimed } } }`,
      undefined,
      token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.employees.find((employee) => employee.employeeNumber === 'E-1004')).toEqual({
      employeeNumber: 'E-1004',
      account: { email: 'dave@acme-legacy.com', idpManaged: false, conflicts: [{ kind: 'UNMANAGED_ACCOUNT' }] },
      workDomain: { name: 'acme-legacy.com', status: 'VERIFIED', claimed: false },
    });
  });

  it('plans one _entities request per step, and each entity type in it costs one SQL query', async () => {
    gateway.sent.length = 0;
    db.queries.reset();
    const result = await gateway.query(
      `{ conflicts(first: 50, filter: { status: OPEN }) { edges { node { account { email employeeNumber manager { email domain { name } } } } } } }`,
      undefined,
      token,
    );
    expect(result.errors).toBeUndefined();
    const steps = gateway.sent.map(
      (request) => `${request.subgraph}:${request.query.includes('_entities') ? '_entities' : 'query'}`,
    );
    expect(steps).toEqual(['governance:query', 'hr:_entities', 'governance:_entities']);
    const sqlOf = (tag: string) => db.queries.tagged(tag).length;
    // Step 1 (the list): the page, its accounts; step 3 (_entities): all managers in one query, their domains in one.
    expect(sqlOf('conflicts')).toBe(1);
    expect(sqlOf('loader:accountById')).toBe(2);
    expect(sqlOf('loader:domainByName')).toBe(1);
  });

  it('runs a mutation through the gateway, with HR fields on its result', async () => {
    const result = await gateway.query<{ renameAccountEmail: any }>(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id) { account { email employeeNumber } userErrors { code } } }`,
      { id: demo.acme.accounts.aliceSmith },
      token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.renameAccountEmail).toEqual({
      account: { email: 'alice.smith+duplicated@acme.com', employeeNumber: 'E-1003' },
      userErrors: [],
    });
  });

  it("surfaces a rule's refusal unchanged", async () => {
    const document = `mutation($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code field rule message } } }`;
    const viaGateway = await gateway.query<{ renameAccountEmail: unknown }>(
      document,
      { id: demo.acme.accounts.alice },
      token,
    );
    const direct = await governance.gql<{ renameAccountEmail: unknown }>(
      document,
      { id: demo.acme.accounts.alice },
      { token },
    );
    expect(viaGateway.data!.renameAccountEmail).toEqual(direct.data!.renameAccountEmail);
    expect(viaGateway.data!.renameAccountEmail).toMatchObject({
      userErrors: [{ code: 'IDP_MANAGED_ACCOUNT', rule: 'R1' }],
    });
  });

  it("forwards the caller's Authorization header: without it the subgraph refuses, with its code", async () => {
    const anonymous = await gateway.query(`{ accounts { totalCount } }`);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const reader = await governance.token(demo.acme.organizationId, ['governance:read']);
    const forbidden = await gateway.query(
      `mutation($id: ID!) { claimAccount(accountId: $id) { userErrors { code } } }`,
      { id: demo.acme.accounts.bob },
      reader,
    );
    expect(forbidden.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it("fails composition with composition's own message when a subgraph does not compose", () => {
    const broken = HR_SDL.replace('employeeNumber: String\n', 'employeeNumber: String\n  email: Int\n');
    const result = composeSupergraph(
      [
        { name: 'governance', url: 'http://governance', sdl: readFileSync(SDL_PATH, 'utf8') },
        { name: 'hr', url: 'http://hr', sdl: broken },
      ],
      'apollo-gateway',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(/Account\.email/);
  });
});
