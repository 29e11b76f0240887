import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { scimClient, SCIM } from '../support/scim-client';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { MAX_JSON_DEPTH } from '../../src/http/json-depth';

/** `depth` arrays nested in one another, built as text (JSON.stringify would recurse). */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Mistakes a client makes (or an attacker makes on purpose): each is a 4xx or a coded GraphQL error, never a 500. */
describe('client mistakes answered as client errors (production settings)', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource, { nodeEnv: 'production' });
    token = await app.token(demo.acme.organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const gql = (query: string, variables?: Record<string, unknown>) => app.gql(query, variables, { token });
  const postGraphql = (body: string) =>
    fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });

  describe('syntax errors', () => {
    it('answers a query that does not parse with 400 GRAPHQL_PARSE_FAILED', async () => {
      for (const query of ['{ organization { name }', 'query {', '{ organization(: ) { name } }', '"unterminated']) {
        const response = await gql(query);
        expect({ query, status: response.status, code: response.errors?.[0].extensions?.code }).toEqual({
          query,
          status: 400,
          code: 'GRAPHQL_PARSE_FAILED',
        });
        expect(response.errors?.[0].message).toMatch(/^Syntax Error/);
      }
    });

    it('answers a token flood 400 GRAPHQL_VALIDATION_FAILED, without telling the limit', async () => {
      const response = await gql(`{ organization { ${Array.from({ length: 6000 }, () => 'name').join(' ')} } }`);
      expect(response.status).toBe(400);
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.errors?.[0].message).not.toMatch(/\d/);
    });
  });

  describe('_entities representations are client input', () => {
    const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }`;
    const entities = (representations: unknown[]) => gql(ENTITIES, { representations });
    const account = () => ({ __typename: 'Account', id: demo.acme.accounts.bob });

    it.each([
      ['an unknown __typename', { __typename: 'Payroll', id: randomUUID() }, /unknown __typename "Payroll"/],
      ['__typename __proto__', { __typename: '__proto__', id: randomUUID() }, /unknown __typename "__proto__"/],
      ['__typename constructor', { __typename: 'constructor', id: randomUUID() }, /unknown __typename "constructor"/],
      ['__typename toString', { __typename: 'toString', id: randomUUID() }, /unknown __typename "toString"/],
      ['a non-entity type', { __typename: 'AccountConnection', id: randomUUID() }, /unknown __typename/],
      ['no __typename', { id: randomUUID() }, /__typename must be a string/],
      ['a numeric __typename', { __typename: 7, id: randomUUID() }, /__typename must be a string/],
      ['a missing key', { __typename: 'Account' }, /Account needs its key: id/],
      ['an object for an id', { __typename: 'Account', id: { toLowerCase: 1 } }, /Account.id must be a string/],
      ['an array for a name', { __typename: 'Domain', name: ['acme.com'] }, /Domain.name must be a string/],
      ['a number for an id', { __typename: 'Conflict', id: 42 }, /Conflict.id must be a string/],
      ['no key of two', { __typename: 'Domain', status: 'VERIFIED' }, /Domain needs one of its keys: id, name/],
      ['a null id', { __typename: 'ScimRecord', id: null }, /ScimRecord.id must be a string/],
      ['a bad id beside a good name', { __typename: 'Domain', id: {}, name: 'acme.com' }, /Domain.id must be a string/],
      ['a string instead of an object', 'Account', /must be an object/],
      ['an array instead of an object', [{ __typename: 'Account', id: 'x' }], /must be an object/],
    ])('refuses %s with BAD_USER_INPUT naming the representation', async (_label, representation, message) => {
      const response = await entities([account(), representation]);
      expect(response.status).toBeLessThan(500);
      expect(response.errors).toHaveLength(1);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toMatch(/^Representation 1: /);
      expect(response.errors?.[0].message).toMatch(message);
    });

    it('still resolves well-formed representations, unknown ids as null', async () => {
      const response = await entities([
        account(),
        { __typename: 'Domain', name: 'ACME.com' },
        { __typename: 'Directory', id: 'not-a-uuid' },
      ]);
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({
        _entities: [{ __typename: 'Account' }, { __typename: 'Domain' }, null],
      });
    });
  });

  describe('deeply nested JSON', () => {
    it(`refuses GraphQL variables nested deeper than ${MAX_JSON_DEPTH} levels with 400 BAD_REQUEST`, async () => {
      const response = await postGraphql(
        `{"query":"query($r: [_Any!]!) { _entities(representations: $r) { __typename } }","variables":{"r":${nestedArrays(200_000)}}}`,
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(body.errors[0].message).toMatch(`nested deeper than ${MAX_JSON_DEPTH}`);
    });

    it('accepts variables nested to the limit', async () => {
      // The body object, variables, the list: three levels; the rest nested lists.
      const response = await postGraphql(
        `{"query":"query($r: [_Any!]!) { _entities(representations: $r) { __typename } }","variables":{"r":[${nestedArrays(MAX_JSON_DEPTH - 3)}]}}`,
      );
      const body = (await response.json()) as { errors?: Array<{ extensions: { code: string } }> };
      expect(response.status).toBeLessThan(500);
      expect(body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT'); // a list is not a representation
    });

    it('refuses a SCIM POST nested 60,000 levels deep with 400 invalidSyntax', async () => {
      const scim = scimClient(app.url, demo.acme.directories.okta, demo.acme.directoryTokens.okta);
      const response = await scim.post(
        '/Users',
        `{"schemas":["${SCIM.user}"],"userName":"deep@acme.com","name":${nestedArrays(60_000)}}`,
      );
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ schemas: [SCIM.error], status: '400', scimType: 'invalidSyntax' });
      expect(response.body.detail).toMatch(`nested deeper than ${MAX_JSON_DEPTH}`);
    });

    it('refuses a SCIM PATCH whose value is nested 40,000 levels deep with 400 invalidSyntax', async () => {
      const scim = scimClient(app.url, demo.acme.directories.okta, demo.acme.directoryTokens.okta);
      const response = await scim.patch(
        `/Users/${demo.acme.records.alice}`,
        `{"schemas":["${SCIM.patchOp}"],"Operations":[{"op":"replace","path":"displayName","value":${nestedArrays(40_000)}}]}`,
      );
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ schemas: [SCIM.error], status: '400', scimType: 'invalidSyntax' });
      // Refused before it could be read, and still in the record's push history.
      const [push] = await db.dataSource.query<Array<Record<string, unknown>>>(
        `SELECT operation, outcome, http_status, detail FROM scim_push WHERE scim_record_id = $1 ORDER BY id DESC LIMIT 1`,
        [demo.acme.records.alice],
      );
      expect(push).toEqual({
        operation: 'PATCH',
        outcome: 'REJECTED',
        http_status: 400,
        detail: `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      });
    });
  });

  describe("a token whose organization does not exist (deleted, or another database's)", () => {
    let orphanToken: string;
    const orphanOrganizationId = randomUUID();
    beforeAll(async () => {
      orphanToken = await app.token(orphanOrganizationId);
    });
    const asOrphan = (query: string, variables?: Record<string, unknown>) =>
      app.gql(query, variables, { token: orphanToken });

    const expectUnknownOrganization = (response: Awaited<ReturnType<typeof asOrphan>>) => {
      expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.errors?.[0].message).toContain(
        `The token's organization ${orphanOrganizationId} is unknown (deleted, or the token was minted for another database); get a new token.`,
      );
    };

    it('answers queries UNAUTHENTICATED, saying the organization is unknown', async () => {
      const response = await asOrphan('{ organization { name } accounts { totalCount } }');
      expect(response.data).toBeNull();
      expectUnknownOrganization(response);
    });

    it('answers createDirectory and keyed mutations UNAUTHENTICATED, not INTERNAL_SERVER_ERROR', async () => {
      expectUnknownOrganization(
        await asOrphan(
          `mutation { createDirectory(name: "Okta", ssoEmailAttribute: "mail", scimEmailAttribute: "mail") { directory { id } } }`,
        ),
      );
      expectUnknownOrganization(
        await asOrphan(
          `mutation($id: ID!) { renameAccountEmail(accountId: $id, idempotencyKey: "k-1") { userErrors { code } } }`,
          { id: randomUUID() },
        ),
      );
      expectUnknownOrganization(await asOrphan(`mutation { detectConflicts(idempotencyKey: "k-2") { openedCount } }`));
    });

    it('asks the database once per organization, not once per request', async () => {
      const [{ id }] = await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO organization (slug, name) VALUES ('steady', 'Steady') RETURNING id`,
      );
      const steady = await app.token(id);
      db.queries.reset();
      const together = await Promise.all(
        Array.from({ length: 5 }, () => app.gql('{ organization { name } }', undefined, { token: steady })),
      );
      const after = await app.gql('{ organization { name } }', undefined, { token: steady });
      for (const response of [...together, after]) expect(response.data).toEqual({ organization: { name: 'Steady' } });
      expect(db.queries.tagged('auth:organizationExists')).toHaveLength(1);
    });

    it('serves the same token once its organization exists', async () => {
      await db.dataSource.query(`INSERT INTO organization (id, slug, name) VALUES ($1, 'latecomer', 'Latecomer')`, [
        orphanOrganizationId,
      ]);
      const response = await asOrphan('{ organization { name } }');
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ organization: { name: 'Latecomer' } });
    });
  });

  describe('enum suggestions', () => {
    it('does not suggest enum values in production, in a literal or a variable', async () => {
      const literal = await gql('{ accounts(filter: { status: ACTIV }) { totalCount } }');
      expect(literal.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(literal.errors?.[0].message).toMatch(/ACTIV/);
      const variable = await gql(
        'query($status: AccountStatus) { accounts(filter: { status: $status }) { totalCount } }',
        {
          status: 'ACTIV',
        },
      );
      expect(variable.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      for (const response of [literal, variable]) {
        expect(response.status).toBe(400);
        expect(response.errors?.[0].message).not.toMatch(/Did you mean|ACTIVE/);
      }
    });
  });
});

describe('enum suggestions in development', () => {
  let db: TestDatabase;
  let app: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource, { nodeEnv: 'development' });
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('still suggests the value a developer meant', async () => {
    const token = await app.token(randomUUID());
    const response = await app.gql('{ accounts(filter: { status: ACTIV }) { totalCount } }', undefined, { token });
    expect(response.errors?.[0].message).toMatch(/Did you mean the enum value "ACTIVE"\?/);
  });
});
