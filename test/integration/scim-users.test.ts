import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, filterQuery, scimClient, type ScimClient, type ScimResponse } from '../support/scim-client';

/** An Okta-shaped create body. */
const oktaUser = (login: string, externalId: string, extra: Record<string, unknown> = {}) => ({
  schemas: [SCIM.user],
  userName: login,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: login, type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId,
  groups: [],
  password: '1mz050nq',
  active: true,
  ...extra,
});

describe('SCIM /Users over HTTP', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;
  let organizationId: string;
  let directoryId: string;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('users')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    directoryId = directory.id;
    scim = scimClient(app.url, directory.id, directory.token);
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const pushes = (recordId: string | null) =>
    db.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT operation, outcome, http_status, detail, actor, payload FROM scim_push WHERE directory_id = $1 AND scim_record_id IS NOT DISTINCT FROM $2 ORDER BY id`,
      [directoryId, recordId],
    );

  describe('POST /Users', () => {
    let created: ScimResponse;
    beforeAll(async () => {
      created = await scim.post(
        '/Users',
        oktaUser('create.one@acme.com', '00ucreate1', {
          title: 'Engineer',
          schemas: [SCIM.user, SCIM.enterprise],
          [SCIM.enterprise]: {
            employeeNumber: '701984',
            department: 'R&D',
            manager: { value: '00u-boss', displayName: 'Boss' },
          },
        }),
      );
    });

    it('answers 201 application/scim+json with the resource, its Location and its ETag', async () => {
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      const { id, meta } = created.body;
      expect(created.body).toEqual({
        schemas: [SCIM.user, SCIM.enterprise],
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        externalId: '00ucreate1',
        userName: 'create.one@acme.com',
        name: { givenName: 'Test', familyName: 'User' },
        displayName: 'Test User',
        emails: [{ value: 'create.one@acme.com', type: 'work', primary: true }],
        active: true,
        locale: 'en-US',
        title: 'Engineer',
        [SCIM.enterprise]: {
          employeeNumber: '701984',
          department: 'R&D',
          manager: { value: '00u-boss', displayName: 'Boss' },
        },
        meta: {
          resourceType: 'User',
          created: expect.any(String),
          lastModified: expect.any(String),
          location: `${scim.root}/Users/${id}`,
          version: expect.stringMatching(/^W\/"\d+"$/),
        },
      });
      expect(created.headers.get('location')).toBe(meta.location);
      expect(created.headers.get('etag')).toBe(meta.version);
    });

    it('never stores or returns the password', async () => {
      expect(created.body).not.toHaveProperty('password');
      const [row] = await db.dataSource.query<Array<{ raw_payload: unknown }>>(
        `SELECT raw_payload FROM scim_record WHERE id = $1`,
        [created.body.id],
      );
      expect(JSON.stringify(row.raw_payload)).not.toContain('1mz050nq');
      expect(JSON.stringify(await pushes(created.body.id))).not.toContain('1mz050nq');
    });

    it('gives the IdP the ScimRecord id, which GraphQL knows with its account and the push', async () => {
      const { data } = await app.gql<{ scimRecord: unknown }>(
        `query($id: ID!) { scimRecord(id: $id) { id userName syncStatus account { email status origin managed }
            pushHistory { operation outcome httpStatus actor } } }`,
        { id: created.body.id },
        { token },
      );
      expect(data!.scimRecord).toEqual({
        id: created.body.id,
        userName: 'create.one@acme.com',
        syncStatus: 'SYNCED',
        account: { email: 'create.one@acme.com', status: 'ACTIVE', origin: 'SCIM', managed: true },
        pushHistory: [{ operation: 'CREATE', outcome: 'APPLIED', httpStatus: 201, actor: `scim:${directoryId}` }],
      });
    });

    it('writes the audit event as the IdP, in the same transaction', async () => {
      const [event] = await db.dataSource.query<Array<Record<string, unknown>>>(
        `SELECT actor, action, target_type, request_id FROM audit_event WHERE target_id = $1`,
        [created.body.id],
      );
      expect(event).toMatchObject({
        actor: `scim:${directoryId}`,
        action: 'scim.createUser',
        target_type: 'ScimRecord',
        request_id: expect.any(String),
      });
    });

    // RFC 7644 3.3 (ADR 0008, replacing 0006's idempotent retry): Okta and Entra look the user up
    // before they create and read 409 as "exists"; a create never changes a user that exists.
    it('answers an identical repeat of a create 409 uniqueness, and GET still answers the same user', async () => {
      const before = await scim.get(`/Users/${created.body.id}`);
      const repeat = await scim.post('/Users', oktaUser('create.one@acme.com', '00ucreate1'));
      expect(repeat.status).toBe(409);
      expect(repeat.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM scim_record WHERE directory_id = $1 AND external_id = '00ucreate1'`,
        [directoryId],
      );
      expect(count).toBe(1);
      expect((await scim.get(`/Users/${created.body.id}`)).body).toEqual(before.body);
    });

    it('answers a create with an existing userName and another externalId 409, overwriting nothing', async () => {
      const before = await scim.get(`/Users/${created.body.id}`);
      const other = await scim.post('/Users', {
        schemas: [SCIM.user],
        userName: 'create.one@acme.com',
        externalId: '00usomeoneelse',
        emails: [{ primary: true, value: 'someone.else@acme.com', type: 'work' }],
      });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ scimType: 'uniqueness' });
      const after = await scim.get(`/Users/${created.body.id}`);
      expect(after.body).toEqual(before.body);
      expect(after.body.name).toEqual({ givenName: 'Test', familyName: 'User' });
    });

    it('answers another user with a taken userName 409 uniqueness, and records the rejected push without a record', async () => {
      const clash = await scim.post('/Users', oktaUser('Create.One@acme.com', '00uother'));
      expect(clash.status).toBe(409);
      expect(clash.body).toEqual({
        schemas: [SCIM.error],
        status: '409',
        scimType: 'uniqueness',
        detail: 'Resource [USER]: with userName[Create.One@acme.com] already exists.',
      });
      expect(await pushes(null)).toContainEqual(
        expect.objectContaining({
          operation: 'CREATE',
          outcome: 'REJECTED',
          http_status: 409,
          detail: clash.body.detail,
        }),
      );
    });

    it.each([
      {
        problem: 'no userName',
        body: { schemas: [SCIM.user], emails: [{ value: 'x@acme.com' }] },
        scimType: 'invalidValue',
      },
      {
        problem: 'a userName that is not a string',
        body: { schemas: [SCIM.user], userName: 42 },
        scimType: 'invalidValue',
      },
      {
        problem: 'an email that is not an address',
        body: { schemas: [SCIM.user], userName: 'bad.email', emails: [{ value: 'not-an-email' }] },
        scimType: 'invalidValue',
      },
      {
        problem: 'emails that are not a list',
        body: { schemas: [SCIM.user], userName: 'bad.emails', emails: 'x@acme.com' },
        scimType: 'invalidValue',
      },
      {
        problem: 'active that is not a boolean',
        body: { schemas: [SCIM.user], userName: 'bad.active', active: 'maybe' },
        scimType: 'invalidValue',
      },
      {
        problem: 'the wrong schema',
        body: { schemas: [SCIM.group], userName: 'wrong.schema' },
        scimType: 'invalidSyntax',
      },
      {
        problem: 'a NUL character',
        body: { schemas: [SCIM.user], userName: 'nul\u0000@acme.com' },
        scimType: 'invalidValue',
      },
      {
        problem: 'a userName with @ that is no email and no emails',
        body: { schemas: [SCIM.user], userName: 'a@b@c' },
        scimType: 'invalidValue',
      },
      { problem: 'a JSON array', body: [{ userName: 'array' }], scimType: 'invalidSyntax' },
    ])('refuses $problem with 400 $scimType, and records the push', async ({ body, scimType }) => {
      const before = (await pushes(null)).length;
      const response = await scim.post('/Users', body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ schemas: [SCIM.error], status: '400', scimType });
      const after = await pushes(null);
      expect(after).toHaveLength(before + 1);
      expect(after[after.length - 1]).toMatchObject({
        operation: 'CREATE',
        outcome: 'REJECTED',
        http_status: 400,
        detail: response.body.detail,
      });
    });

    it('refuses a body that is not JSON with 400 invalidSyntax, recorded too', async () => {
      const response = await scim.post('/Users', '{"userName": ');
      expect(response).toMatchObject({
        status: 400,
        body: { schemas: [SCIM.error], status: '400', scimType: 'invalidSyntax' },
      });
      expect((await pushes(null)).at(-1)).toMatchObject({
        outcome: 'REJECTED',
        http_status: 400,
        detail: 'The request body is not valid JSON.',
      });
    });

    it('accepts application/json as well as application/scim+json', async () => {
      const response = await scim.post('/Users', oktaUser('plain.json@acme.com', '00uplain'), {
        'content-type': 'application/json',
      });
      expect(response.status).toBe(201);
    });
  });

  describe('GET, PUT, PATCH and DELETE /Users/{id}', () => {
    let id: string;
    let version: string;
    beforeAll(async () => {
      const created = await scim.post('/Users', oktaUser('etag.user@acme.com', '00uetag'));
      id = created.body.id;
      version = created.headers.get('etag')!;
    });

    it('reads a user with its ETag; If-None-Match with the current version answers 304', async () => {
      const read = await scim.get(`/Users/${id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(version);
      expect(read.body.meta.version).toBe(version);
      expect((await scim.get(`/Users/${id}`, { 'if-none-match': version })).status).toBe(304);
      expect((await scim.get(`/Users/${id}`, { 'if-none-match': 'W/"999"' })).status).toBe(200);
    });

    it('answers 404 for an unknown id, a malformed one and an injection attempt', async () => {
      for (const unknown of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1"]) {
        const response = await scim.get(`/Users/${encodeURIComponent(unknown)}`);
        expect(response).toMatchObject({ status: 404, body: { schemas: [SCIM.error], status: '404' } });
      }
    });

    it('refuses a PUT whose If-Match is stale with 412, changing nothing, and records it against the record', async () => {
      const response = await scim.put(
        `/Users/${id}`,
        oktaUser('etag.user@acme.com', '00uetag', { displayName: 'Changed' }),
        // Not the current version (a created record starts at 1, and this one is still there).
        { 'if-match': 'W/"0"' },
      );
      expect(response).toMatchObject({ status: 412, body: { schemas: [SCIM.error], status: '412' } });
      expect((await scim.get(`/Users/${id}`)).body.displayName).toBe('Test User');
      expect((await pushes(id)).at(-1)).toMatchObject({ operation: 'REPLACE', outcome: 'REJECTED', http_status: 412 });
    });

    it('applies a PUT whose If-Match is current (weak or strong form), with a new version', async () => {
      const response = await scim.put(
        `/Users/${id}`,
        oktaUser('etag.user@acme.com', '00uetag', { displayName: 'Renamed Once' }),
        { 'if-match': version },
      );
      expect(response.status).toBe(200);
      expect(response.body.displayName).toBe('Renamed Once');
      expect(response.headers.get('etag')).not.toBe(version);
      const strong = response.headers.get('etag')!.replace(/^W\//, '');
      const again = await scim.put(
        `/Users/${id}`,
        oktaUser('etag.user@acme.com', '00uetag', { displayName: 'Renamed Twice' }),
        { 'if-match': strong },
      );
      expect(again.status).toBe(200);
      version = again.headers.get('etag')!;
    });

    it('refuses a PATCH with a stale If-Match (412), then applies it with the current one', async () => {
      const patch = { schemas: [SCIM.patchOp], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched' }] };
      expect((await scim.patch(`/Users/${id}`, patch, { 'if-match': 'W/"1"' })).status).toBe(412);
      const applied = await scim.patch(`/Users/${id}`, patch, { 'if-match': version });
      expect(applied).toMatchObject({ status: 200, body: { displayName: 'Patched' } });
      version = applied.headers.get('etag')!;
    });

    it('refuses PATCHes that are malformed or touch read-only attributes, with the scimType of RFC 7644', async () => {
      const cases: Array<[unknown, string]> = [
        [{ Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }, 'invalidSyntax'],
        [
          { schemas: [SCIM.patchOp], Operations: [{ op: 'explode', path: 'displayName', value: 'x' }] },
          'invalidSyntax',
        ],
        [
          {
            schemas: [SCIM.patchOp],
            Operations: [{ op: 'replace', path: 'id', value: '00000000-0000-4000-8000-000000000000' }],
          },
          'mutability',
        ],
        [{ schemas: [SCIM.patchOp], Operations: [{ op: 'remove' }] }, 'noTarget'],
        [
          { schemas: [SCIM.patchOp], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] },
          'invalidPath',
        ],
        [
          { schemas: [SCIM.patchOp], Operations: [{ op: 'replace', path: 'active', value: 'perhaps' }] },
          'invalidValue',
        ],
        [{ schemas: [SCIM.patchOp], Operations: [{ op: 'remove', path: 'userName' }] }, 'invalidValue'],
      ];
      for (const [body, scimType] of cases) {
        const response = await scim.patch(`/Users/${id}`, body);
        expect({ status: response.status, scimType: response.body.scimType }).toEqual({ status: 400, scimType });
      }
      expect((await scim.get(`/Users/${id}`)).headers.get('etag')).toBe(version);
    });

    it('keeps the credentials of a PATCH out of the push history', async () => {
      await scim.patch(`/Users/${id}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'replace', path: 'password', value: 's3cret-pw' }],
      });
      expect(JSON.stringify(await pushes(id))).not.toContain('s3cret-pw');
      expect(JSON.stringify((await scim.get(`/Users/${id}`)).body)).not.toContain('s3cret-pw');
    });

    it('refuses a DELETE with a stale If-Match (412), then deletes: 204, the account and its history stay', async () => {
      const [{ account_id: accountId }] = await db.dataSource.query<Array<{ account_id: string }>>(
        `SELECT account_id FROM scim_record WHERE id = $1`,
        [id],
      );
      expect((await scim.delete(`/Users/${id}`, { 'if-match': 'W/"1"' })).status).toBe(412);
      const deleted = await scim.delete(`/Users/${id}`, {
        'if-match': (await scim.get(`/Users/${id}`)).headers.get('etag')!,
      });
      expect(deleted).toMatchObject({ status: 204, body: null });
      expect((await scim.get(`/Users/${id}`)).status).toBe(404);
      expect((await scim.delete(`/Users/${id}`)).status).toBe(404);

      const { data } = await app.gql<{ account: Record<string, unknown> }>(
        `query($id: ID!) { account(id: $id) { email status scimRecords { id } } }`,
        { id: accountId },
        { token },
      );
      expect(data!.account).toEqual({ email: 'etag.user@acme.com', status: 'ACTIVE', scimRecords: [] });
      const [deletion] = await db.dataSource.query<Array<Record<string, unknown>>>(
        `SELECT operation, outcome, http_status, actor FROM scim_push WHERE directory_id = $1 AND operation = 'DELETE' AND outcome = 'APPLIED'`,
        [directoryId],
      );
      expect(deletion).toEqual({
        operation: 'DELETE',
        outcome: 'APPLIED',
        http_status: 204,
        actor: `scim:${directoryId}`,
      });
    });
  });

  describe('GET /Users lists: paging, sorting, projection', () => {
    let listScim: ScimClient;
    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      const directory = await given.directory(organizationId, 'Lists');
      listScim = scimClient(app.url, directory.id, directory.token);
      for (const [i, name] of ['carol', 'alice', 'dave', 'bob', 'erin'].entries()) {
        const response = await listScim.post('/Users', {
          schemas: [SCIM.user, SCIM.enterprise],
          userName: `${name}@list.example`,
          externalId: `ext-${i}`,
          name: { givenName: name[0].toUpperCase() + name.slice(1), familyName: 'List', formatted: `${name} List` },
          emails: [
            { value: `${name}@list.example`, type: 'work', primary: true },
            { value: `${name}@home.example`, type: 'home' },
          ],
          active: name !== 'dave',
          [SCIM.enterprise]: { department: `dept-${name}` },
        });
        expect(response.status).toBe(201);
      }
    });

    it('pages with startIndex (1-based) and count, in creation order by default', async () => {
      const page = await listScim.get('/Users?startIndex=2&count=2');
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({
        schemas: [SCIM.listResponse],
        totalResults: 5,
        startIndex: 2,
        itemsPerPage: 2,
      });
      expect(page.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
        'alice@list.example',
        'dave@list.example',
      ]);
      const past = await listScim.get('/Users?startIndex=10&count=2');
      expect(past.body).toMatchObject({ totalResults: 5, startIndex: 10, itemsPerPage: 0, Resources: [] });
      const countOnly = await listScim.get('/Users?count=0');
      expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
      const lenient = await listScim.get('/Users?startIndex=0&count=-3');
      expect(lenient.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 0 });
    });

    it('sorts by any filterable attribute, ascending or descending', async () => {
      const names = async (query: string) =>
        (await listScim.get(`/Users?${query}`)).body.Resources.map(
          (user: { userName: string }) => user.userName.split('@')[0],
        );
      expect(await names('sortBy=userName')).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
      expect(await names('sortBy=name.givenName&sortOrder=descending')).toEqual([
        'erin',
        'dave',
        'carol',
        'bob',
        'alice',
      ]);
      expect(await names('sortBy=emails&sortOrder=ascending')).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
      const unknown = await listScim.get('/Users?sortBy=password');
      expect(unknown).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      const badOrder = await listScim.get('/Users?sortBy=userName&sortOrder=sideways');
      expect(badOrder).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    });

    it('returns only the requested attributes, plus id, schemas and meta', async () => {
      const page = await listScim.get(
        `/Users${filterQuery('userName eq "alice@list.example"', '&attributes=userName,name.givenName,emails.value')}`,
      );
      const [alice] = page.body.Resources;
      expect(Object.keys(alice).sort()).toEqual(['emails', 'id', 'meta', 'name', 'schemas', 'userName']);
      expect(alice.name).toEqual({ givenName: 'Alice' });
      expect(alice.emails).toEqual([{ value: 'alice@list.example' }, { value: 'alice@home.example' }]);
      const urn = await listScim.get(
        `/Users/${alice.id}?attributes=${encodeURIComponent(`${SCIM.user}:userName,${SCIM.enterprise}:department`)}`,
      );
      expect(urn.body).toEqual({
        schemas: alice.schemas,
        id: alice.id,
        meta: alice.meta,
        userName: 'alice@list.example',
        [SCIM.enterprise]: { department: 'dept-alice' },
      });
    });

    it('leaves out excludedAttributes, but never id, schemas or meta', async () => {
      const page = await listScim.get(
        `/Users?count=1&excludedAttributes=emails,name.formatted,id,meta,${encodeURIComponent(SCIM.enterprise)}`,
      );
      const [user] = page.body.Resources;
      expect(user).not.toHaveProperty('emails');
      expect(user).not.toHaveProperty([SCIM.enterprise]);
      expect(user.name).toEqual({ givenName: 'Carol', familyName: 'List' });
      expect(user).toHaveProperty('id');
      expect(user).toHaveProperty('meta');
      const both = await listScim.get('/Users?attributes=userName&excludedAttributes=emails');
      expect(both).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    });

    it('answers POST /Users/.search like GET, from the body', async () => {
      const search = await listScim.post('/Users/.search', {
        schemas: [SCIM.searchRequest],
        attributes: ['userName', 'active'],
        filter: 'active eq false or userName sw "e"',
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 1,
        count: 10,
      });
      expect(search.status).toBe(200);
      expect(search.body.totalResults).toBe(2);
      expect(search.body.Resources.map((user: Record<string, unknown>) => [user.userName, user.active])).toEqual([
        ['erin@list.example', true],
        ['dave@list.example', false],
      ]);
      const noSchema = await listScim.post('/Users/.search', { filter: 'userName pr' });
      expect(noSchema).toMatchObject({ status: 400, body: { scimType: 'invalidSyntax' } });
    });

    it('caps count at maxResults (200) and never loads the rest', async () => {
      const given = fixtures(db.dataSource);
      const directory = await given.directory(organizationId, 'Big');
      await db.dataSource.query(
        `INSERT INTO scim_record (organization_id, directory_id, user_name, external_id)
         SELECT $1, $2, 'bulk' || n || '@big.example', 'bulk-' || n FROM generate_series(1, 230) AS n`,
        [organizationId, directory.id],
      );
      const big = scimClient(app.url, directory.id, directory.token);
      db.queries.reset();
      const page = await big.get('/Users?count=1000&attributes=userName');
      expect(page.body).toMatchObject({ totalResults: 230, itemsPerPage: 200, startIndex: 1 });
      const listQueries = db.queries.tagged('scim:listUsers');
      expect(listQueries).toHaveLength(1);
      expect(listQueries[0]).toContain('LIMIT');
      const last = await big.get('/Users?startIndex=201&count=100&attributes=userName');
      expect(last.body).toMatchObject({ totalResults: 230, itemsPerPage: 30 });
    });
  });
});
