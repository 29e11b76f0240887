import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, filterQuery, scimClient } from '../support/scim-client';

type Directory = { id: string; token: string };

describe('SCIM authentication: a token reaches its own directory only', () => {
  let db: TestDatabase;
  let app: TestServer;
  let orgA: string;
  let a1: Directory;
  let a2: Directory;
  let b1: Directory;
  let a1UserId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    orgA = (await given.organization('tenant-a')).id;
    const orgB = (await given.organization('tenant-b')).id;
    a1 = await given.directory(orgA, 'Okta');
    a2 = await given.directory(orgA, 'Entra ID');
    b1 = await given.directory(orgB, 'Okta');
    const created = await scimClient(app.url, a1.id, a1.token).post('/Users', {
      schemas: [SCIM.user],
      userName: 'isolated@acme.com',
      externalId: 'iso-1',
      emails: [{ value: 'isolated@acme.com', type: 'work', primary: true }],
    });
    expect(created.status).toBe(201);
    a1UserId = created.body.id;
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const expectScimError = (response: { status: number; body: unknown; headers: Headers }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({ schemas: [SCIM.error], status: String(status), detail: expect.any(String) });
  };

  it('answers 401 with a SCIM error and WWW-Authenticate without a token, with another scheme, or an unknown token', async () => {
    const noToken = await scimClient(app.url, a1.id, null).get('/Users');
    expectScimError(noToken, 401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectScimError(
      await scimClient(app.url, a1.id, null).get('/Users', {
        authorization: `Basic ${Buffer.from(`x:${a1.token}`).toString('base64')}`,
      }),
      401,
    );
    expectScimError(await scimClient(app.url, a1.id, `${a1.token}x`).get('/Users'), 401);
    expectScimError(await scimClient(app.url, a1.id, 'scim_').get('/Users'), 401);
    // A GraphQL admin token is no SCIM token.
    expectScimError(await scimClient(app.url, a1.id, await app.token(orgA)).get('/Users'), 401);
  });

  it('answers 401 before anything about the directory: an unknown or malformed directory id without a token says nothing more', async () => {
    const unknown = await scimClient(app.url, '00000000-0000-4000-8000-000000000000', null).get('/Users');
    const malformed = await scimClient(app.url, 'not-a-uuid', null).get('/Users');
    const real = await scimClient(app.url, a1.id, null).get('/Users');
    expect([unknown.status, malformed.status, real.status]).toEqual([401, 401, 401]);
    expect(unknown.body).toEqual(real.body);
    expect(malformed.body).toEqual(real.body);
  });

  it('answers 404 for a valid token on another directory, an unknown one or a malformed id, all alike', async () => {
    const responses = [
      await scimClient(app.url, a2.id, a1.token).get('/Users'), // same organization, other directory
      await scimClient(app.url, b1.id, a1.token).get('/Users'), // other organization
      await scimClient(app.url, a1.id, b1.token).get('/Users'),
      await scimClient(app.url, '00000000-0000-4000-8000-000000000000', a1.token).get('/Users'),
      await scimClient(app.url, 'not-a-uuid', a1.token).get('/Users'),
      await scimClient(app.url, a2.id, a1.token).get('/ServiceProviderConfig'),
    ];
    for (const response of responses) expectScimError(response, 404);
    expect(new Set(responses.map((response) => JSON.stringify(response.body))).size).toBe(1);
    expect(JSON.stringify(responses[0].body)).not.toContain(a2.id);
  });

  it('accepts the directory id in upper case', async () => {
    expect((await scimClient(app.url, a1.id.toUpperCase(), a1.token).get('/Users')).status).toBe(200);
  });

  it("keeps one directory's users out of another directory's reads and writes, within and across organizations", async () => {
    for (const other of [a2, b1]) {
      const client = scimClient(app.url, other.id, other.token);
      expect((await client.get(`/Users/${a1UserId}`)).status).toBe(404);
      expect((await client.get(`/Users${filterQuery('userName eq "isolated@acme.com"')}`)).body.totalResults).toBe(0);
      expect((await client.get(`/Users${filterQuery(`id eq "${a1UserId}"`)}`)).body.totalResults).toBe(0);
      expect(
        (await client.put(`/Users/${a1UserId}`, { schemas: [SCIM.user], userName: 'hijacked@acme.com' })).status,
      ).toBe(404);
      expect(
        (
          await client.patch(`/Users/${a1UserId}`, {
            schemas: [SCIM.patchOp],
            Operations: [{ op: 'replace', value: { active: false } }],
          })
        ).status,
      ).toBe(404);
      expect((await client.delete(`/Users/${a1UserId}`)).status).toBe(404);
      const group = await client.post('/Groups', {
        schemas: [SCIM.group],
        displayName: 'Steal',
        members: [{ value: a1UserId }],
      });
      expect(group).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    }
    const mine = await scimClient(app.url, a1.id, a1.token).get(`/Users/${a1UserId}`);
    expect(mine.body).toMatchObject({ userName: 'isolated@acme.com', active: true });
  });

  it('takes a token from createDirectory, and drops the old one at rotateDirectoryToken', async () => {
    const admin = await app.token(orgA);
    const created = await app.gql<{
      createDirectory: { directory: { id: string; scimBasePath: string }; scimToken: string };
    }>(
      `mutation { createDirectory(name: "OneLogin", provider: ONELOGIN, ssoEmailAttribute: "email", scimEmailAttribute: "email") {
          directory { id scimBasePath } scimToken } }`,
      {},
      { token: admin },
    );
    const { directory, scimToken } = created.data!.createDirectory;
    expect(directory.scimBasePath).toBe(`/scim/directory/${directory.id}`);
    expect((await scimClient(app.url, directory.id, scimToken).get('/Users')).status).toBe(200);

    const rotated = await app.gql<{ rotateDirectoryToken: { scimToken: string } }>(
      `mutation($id: ID!) { rotateDirectoryToken(id: $id) { scimToken } }`,
      { id: directory.id },
      { token: admin },
    );
    const fresh = rotated.data!.rotateDirectoryToken.scimToken;
    expectScimError(await scimClient(app.url, directory.id, scimToken).get('/Users'), 401);
    expect((await scimClient(app.url, directory.id, fresh).get('/Users')).status).toBe(200);
  });

  it('answers unknown endpoints and unknown paths under /scim with SCIM 404s, never HTML', async () => {
    expectScimError(await scimClient(app.url, a1.id, a1.token).get('/Nonsense'), 404);
    const outside = await fetch(`${app.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${a1.token}` } });
    expect(outside.status).toBe(404);
    expect(outside.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  });
});

describe('SCIM discovery endpoints', () => {
  let db: TestDatabase;
  let app: TestServer;
  let directory: Directory;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    directory = await given.directory((await given.organization('discovery')).id, 'Okta');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const client = () => scimClient(app.url, directory.id, directory.token);

  it('need the directory token like everything else', async () => {
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
      expect((await scimClient(app.url, directory.id, null).get(path)).status).toBe(401);
    }
  });

  it('ServiceProviderConfig says truthfully what is supported, and what is not', async () => {
    const response = await client().get('/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toMatchObject({
      schemas: expect.arrayContaining(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']),
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true })],
      meta: { resourceType: 'ServiceProviderConfig', location: `${client().root}/ServiceProviderConfig` },
    });
    // Only RFC 7643's own schema: an extension URI here is one a strict client looks up in /Schemas.
    expect(response.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    // What it says is not implemented answers 501.
    expect(
      (await client().post('/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }))
        .status,
    ).toBe(501);
    expect((await client().get('/Me')).status).toBe(501);
    expect((await client().get('/?filter=userName%20pr')).status).toBe(501);
  });

  it('every resource schema URI and location the discovery endpoints name resolves', async () => {
    const types = (await client().get('/ResourceTypes')).body.Resources as unknown as Array<{
      schema: string;
      schemaExtensions: Array<{ schema: string }>;
      meta: { location: string };
    }>;
    const uris = types.flatMap((type) => [type.schema, ...type.schemaExtensions.map((extension) => extension.schema)]);
    for (const uri of uris)
      expect({ uri, status: (await client().get(`/Schemas/${uri}`)).status }).toEqual({ uri, status: 200 });
    const schemas = (await client().get('/Schemas')).body.Resources as unknown as Array<{ meta: { location: string } }>;
    const spc = (await client().get('/ServiceProviderConfig')).body as { meta: { location: string } };
    for (const { meta } of [...types, ...schemas, spc]) {
      const path = meta.location.slice(client().root.length);
      expect({ path, status: (await client().get(path)).status }).toEqual({ path, status: 200 });
    }
  });

  it('ResourceTypes lists User (with the enterprise extension) and Group, each also by name', async () => {
    const list = await client().get('/ResourceTypes');
    expect(list.body).toMatchObject({ schemas: [SCIM.listResponse], totalResults: 2 });
    expect(list.body.Resources).toEqual([
      expect.objectContaining({
        id: 'User',
        endpoint: '/Users',
        schema: SCIM.user,
        schemaExtensions: [
          { schema: SCIM.enterprise, required: false },
          { schema: 'urn:identity-governance:params:scim:schemas:extension:provisioning:2.0:User', required: false },
        ],
      }),
      expect.objectContaining({ id: 'Group', endpoint: '/Groups', schema: SCIM.group }),
    ]);
    expect((await client().get('/ResourceTypes/Group')).body).toMatchObject({
      id: 'Group',
      meta: { location: `${client().root}/ResourceTypes/Group` },
    });
    expect((await client().get('/ResourceTypes/Device')).status).toBe(404);
  });

  it('Schemas describes the core User, the enterprise extension and Group, with the supported attributes', async () => {
    const list = await client().get('/Schemas');
    expect(list.body.Resources.map((schema: { id: string }) => schema.id)).toEqual([
      SCIM.user,
      SCIM.enterprise,
      'urn:identity-governance:params:scim:schemas:extension:provisioning:2.0:User',
      SCIM.group,
    ]);
    const user = await client().get(`/Schemas/${SCIM.user}`);
    const names = user.body.attributes.map((attribute: { name: string }) => attribute.name);
    expect(names).toEqual(expect.arrayContaining(['userName', 'name', 'displayName', 'emails', 'active', 'groups']));
    expect(names).not.toContain('password');
    expect(user.body.attributes.find((attribute: { name: string }) => attribute.name === 'userName')).toMatchObject({
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect(user.body.attributes.find((attribute: { name: string }) => attribute.name === 'groups')).toMatchObject({
      mutability: 'readOnly',
      multiValued: true,
    });
    const group = await client().get(`/Schemas/${SCIM.group}`);
    expect(group.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual([
      'displayName',
      'members',
    ]);
    expect((await client().get('/Schemas/urn:example:unknown')).status).toBe(404);
  });
});
