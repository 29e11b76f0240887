import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeSupergraph, type GatewayTarget } from '../../src/federation/compose';
import { SDL_PATH } from '../../src/schema-emit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { HR_SDL, demoEmployees, startHrSubgraph } from '../support/hr-subgraph';

type Subgraphs = Array<{ name: string; url: string; sdl: string }>;

interface GatewayResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

interface TestGateway {
  query<T = Record<string, unknown>>(
    document: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GatewayResponse<T>>;
  /** What the gateway sent each subgraph, in order. */
  sent: Array<{ subgraph: string; query: string }>;
  stop(): Promise<void>;
}

function gatewayClient(url: string) {
  return async <T = Record<string, unknown>>(
    document: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GatewayResponse<T>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: document, variables }),
    });
    return (await response.json()) as GatewayResponse<T>;
  };
}

/** @apollo/gateway in this process, on the supergraph without security directives (it refuses them). */
async function startApolloGateway(subgraphs: Subgraphs): Promise<TestGateway> {
  const composed = composeSupergraph(subgraphs, 'apollo-gateway');
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  const sent: TestGateway['sent'] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          sent.push({ subgraph: name, query: request.query ?? '' });
          const authorization = context.authorization as string | undefined;
          if (authorization) request.http?.headers.set('authorization', authorization);
        },
      }),
  });
  const server = new ApolloServer<{ authorization?: string }>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { query: gatewayClient(url), sent, stop: () => server.stop() };
}

/**
 * Hive Gateway in this process, on the supergraph the Apollo Router gets: unchanged, `@requiresScopes`
 * included. It loads its HTTP transport (@graphql-mesh/transport-http) by name when it plans the
 * first request; without that package every root field fails.
 */
async function startHiveGateway(subgraphs: Subgraphs): Promise<TestGateway> {
  const composed = composeSupergraph(subgraphs, 'router');
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  expect(composed.supergraphSdl).toMatch(/@requiresScopes\(scopes: \[\["governance:read"\]\]\)/);
  const supergraphSdl = composed.supergraphSdl;
  const names = new Map(subgraphs.map(({ name, url }) => [url, name]));
  const sent: TestGateway['sent'] = [];
  const gateway = createGatewayRuntime({
    supergraph: () => supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
    plugins: () => [
      {
        onFetch({ url, options }) {
          const body = typeof options.body === 'string' ? (JSON.parse(options.body) as { query?: string }) : {};
          sent.push({ subgraph: names.get(url) ?? url, query: body.query ?? '' });
        },
      },
    ],
  });
  const server = http.createServer((req, res) => void gateway(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    query: gatewayClient(`http://127.0.0.1:${port}/graphql`),
    sent,
    async stop() {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await gateway.dispose();
    },
  };
}

/** What each gateway sends for the conflicts -> account -> HR -> manager -> domain query, and the SQL it costs. */
type StartGateway = (subgraphs: Subgraphs) => Promise<TestGateway>;

interface Plan {
  steps: string[];
  sql: Record<string, number>;
}

const GATEWAYS: Array<{ name: string; target: GatewayTarget; start: StartGateway; plan: Plan }> = [
  {
    name: '@apollo/gateway',
    target: 'apollo-gateway',
    start: startApolloGateway,
    plan: {
      steps: ['governance:query', 'hr:_entities', 'governance:_entities'],
      // Step 1 (the list): the page with its accounts in one query; step 3 (_entities): all managers with their domains in one.
      sql: { conflicts: 1, 'entities:Account': 1, 'loader:accountById': 0, 'loader:domainByName': 0 },
    },
  },
  {
    name: 'Hive Gateway',
    target: 'router',
    start: startHiveGateway,
    plan: {
      // Hive's planner fetches the conflicts' account keys again through Conflict _entities before
      // going to HR: one more step, still one request, and one SQL query per entity type in it.
      steps: ['governance:query', 'governance:_entities', 'hr:_entities', 'governance:_entities'],
      // The Conflict step's accounts come from their loader; the Account step plans accounts and domains in one query.
      sql: {
        conflicts: 1,
        'loader:conflictById': 1,
        'loader:accountById': 1,
        'entities:Account': 1,
        'loader:domainByName': 0,
      },
    },
  },
];

describe.each(GATEWAYS)('federation through a real gateway ($name)', ({ target, start: startGateway, plan }) => {
  let db: TestDatabase;
  let governance: TestServer;
  let hr: Awaited<ReturnType<typeof startHrSubgraph>>;
  let gateway: TestGateway;
  let demo: DemoData;
  let token: string;
  // What beforeAll started, stopped in reverse even when it failed halfway.
  const started: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    started.push(() => db.drop());
    demo = await seedDemo(db.dataSource);
    governance = await startTestServer(db.dataSource);
    started.push(() => governance.stop());
    hr = await startHrSubgraph(demoEmployees(demo));
    started.push(() => hr.stop());
    gateway = await startGateway([
      { name: 'governance', url: `${governance.url}/graphql`, sdl: readFileSync(SDL_PATH, 'utf8') },
      { name: 'hr', url: hr.url, sdl: HR_SDL },
    ]);
    started.push(() => gateway.stop());
    token = await governance.token(demo.acme.organizationId, undefined, 'portal@acme.com');
  });
  afterAll(async () => {
    for (const stop of started.reverse()) await stop();
  });

  it("answers a portal query from governance into HR and back (conflicts -> employee numbers -> managers' emails)", async () => {
    const result = await gateway.query<{ conflicts: { edges: Array<{ node: { account: { email: string } } }> } }>(
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
    const result = await gateway.query<{ employees: Array<{ employeeNumber: string }> }>(
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
    expect(steps).toEqual(plan.steps);
    const sqlOf = (tag: string) => db.queries.tagged(tag).length;
    expect(Object.fromEntries(Object.keys(plan.sql).map((tag) => [tag, sqlOf(tag)]))).toEqual(plan.sql);
  });

  it('runs a mutation through the gateway, with HR fields on its result', async () => {
    const result = await gateway.query<{ renameAccountEmail: unknown }>(
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
      target,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(/Account\.email/);
  });
});
