import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, filterQuery, scimClient, type ScimClient } from '../support/scim-client';

/**
 * The requests Okta and Microsoft Entra ID send, in their order and with their payload shapes
 * (from their SCIM integration guides and validators), replayed one by one.
 */
describe('what real IdPs send, request by request', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('idps')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const accountOf = async (recordId: string) => {
    const { data } = await app.gql<{
      scimRecord: {
        syncStatus: string;
        account: { id: string; email: string; status: string; displayName: string | null };
      };
    }>(
      `query($id: ID!) { scimRecord(id: $id) { syncStatus account { id email status displayName } } }`,
      { id: recordId },
      { token },
    );
    return data!.scimRecord;
  };
  const account = async (id: string) => {
    const { data } = await app.gql<{
      account: { email: string; status: string; statusReason: string | null; scimRecords: Array<{ id: string }> };
    }>(`query($id: ID!) { account(id: $id) { email status statusReason scimRecords { id } } }`, { id }, { token });
    return data!.account;
  };

  describe('Okta', () => {
    let okta: ScimClient;
    let directoryId: string;
    let userId: string;
    const login = 'isaac.brock@acme.com';
    const createBody = {
      schemas: [SCIM.user],
      userName: login,
      name: { givenName: 'Isaac', familyName: 'Brock' },
      emails: [{ primary: true, value: login, type: 'work' }],
      displayName: 'Isaac Brock',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };

    beforeAll(async () => {
      const directory = await fixtures(db.dataSource).directory(organizationId, 'Okta');
      directoryId = directory.id;
      okta = scimClient(app.url, directory.id, directory.token);
    });

    it('1. looks the user up by userName before creating it: an empty ListResponse', async () => {
      const response = await okta.get(`/Users${filterQuery(`userName eq "${login}"`, '&startIndex=1&count=100')}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        schemas: [SCIM.listResponse],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
    });

    it('2. creates it: 201, an ACTIVE managed account', async () => {
      const response = await okta.post('/Users', createBody);
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        userName: login,
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
        displayName: 'Isaac Brock',
      });
      userId = response.body.id;
      expect(await accountOf(userId)).toMatchObject({
        syncStatus: 'SYNCED',
        account: { email: login, status: 'ACTIVE', displayName: 'Isaac Brock' },
      });
    });

    // Okta's "create duplicate" step: RFC 7644 3.3's 409 uniqueness, which Okta reads as "exists"
    // (it looked the user up first, step 1); the existing user is untouched (ADR 0008).
    it('2b. a repeat of the create answers 409 uniqueness, and the lookup finds the one user', async () => {
      const before = await okta.get(`/Users/${userId}`);
      const retry = await okta.post('/Users', createBody);
      expect(retry).toMatchObject({ status: 409, body: { status: '409', scimType: 'uniqueness' } });
      expect((await okta.get(`/Users/${userId}`)).body).toEqual(before.body);
      const lookup = await okta.get(`/Users${filterQuery(`userName eq "${login.toUpperCase()}"`)}`);
      expect(lookup.body.totalResults).toBe(1);
      expect(lookup.body.Resources[0].id).toBe(userId);
    });

    it('3. reads it back by id', async () => {
      const response = await okta.get(`/Users/${userId}`);
      expect(response).toMatchObject({ status: 200, body: { id: userId, userName: login } });
    });

    it('4. updates with a full-replace PUT: the new name reaches the account', async () => {
      const response = await okta.put(`/Users/${userId}`, {
        schemas: [SCIM.user],
        id: userId,
        userName: login,
        name: { givenName: 'Isaac', middleName: 'K', familyName: 'Brock-Smith' },
        emails: [{ primary: true, value: login, type: 'work' }],
        active: true,
        groups: [],
        meta: { resourceType: 'User' },
        externalId: '00ujl29u0le5T6Aj10h7',
        displayName: 'Isaac Brock-Smith',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        name: { givenName: 'Isaac', middleName: 'K', familyName: 'Brock-Smith' },
        displayName: 'Isaac Brock-Smith',
      });
      // Full replace: what the PUT left out (locale) is gone.
      expect(response.body).not.toHaveProperty('locale');
      expect((await accountOf(userId)).account.displayName).toBe('Isaac Brock-Smith');
    });

    it('5. deprovisions with PATCH replace {active:false} (no path): the account is DEACTIVATED', async () => {
      const deactivate = { schemas: [SCIM.patchOp], Operations: [{ op: 'replace', value: { active: false } }] };
      const response = await okta.patch(`/Users/${userId}`, deactivate);
      expect(response).toMatchObject({ status: 200, body: { id: userId, active: false } });
      const { account: linked } = await accountOf(userId);
      expect(await account(linked.id)).toMatchObject({ status: 'DEACTIVATED', statusReason: 'Deactivated by Okta' });
      // Okta repeats a deprovisioning it did not hear back about: same answer, nothing new.
      expect(await okta.patch(`/Users/${userId}`, deactivate)).toMatchObject({ status: 200, body: { active: false } });
    });

    it('5b. a PATCH remove of active, or a PUT without it, never re-enables the user', async () => {
      const removed = await okta.patch(`/Users/${userId}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'remove', path: 'active' }],
      });
      expect(removed).toMatchObject({ status: 200, body: { active: false } });
      const { active: _active, password: _password, ...withoutActive } = createBody;
      const replaced = await okta.put(`/Users/${userId}`, { ...withoutActive, displayName: 'Isaac Brock-Smith' });
      expect(replaced).toMatchObject({ status: 200, body: { active: false } });
      const { account: linked } = await accountOf(userId);
      expect(await account(linked.id)).toMatchObject({ status: 'DEACTIVATED' });
    });

    it('6. reactivates with PATCH replace {active:true}: the account is ACTIVE again', async () => {
      const response = await okta.patch(`/Users/${userId}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'replace', value: { active: true } }],
      });
      expect(response).toMatchObject({ status: 200, body: { active: true } });
      const { account: linked } = await accountOf(userId);
      expect(await account(linked.id)).toMatchObject({ status: 'ACTIVE', statusReason: null });
    });

    it('7. a create refused for its email (409: another user of the directory has it) changes nothing GET answers; its repeat is refused the same way', async () => {
      const body = {
        ...createBody,
        userName: 'new.hire@acme.com',
        externalId: '00unewhire',
        emails: [{ primary: true, value: 'isaac.brock@acme.com', type: 'work' }],
      };
      const refused = await okta.post('/Users', body);
      expect(refused).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
      expect(refused.body.detail).toContain('email[isaac.brock@acme.com]');
      for (const filter of ['userName eq "new.hire@acme.com"', 'externalId eq "00unewhire"'])
        expect((await okta.get(`/Users${filterQuery(filter)}`)).body.totalResults).toBe(0);
      // Not "exists": the IdP was never told the user was created, so it is refused for the email again.
      const again = await okta.post('/Users', body);
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('email[isaac.brock@acme.com]');
      // Once the email is free, the same create succeeds (the stored push is taken over, not duplicated).
      const fixed = await okta.post('/Users', {
        ...body,
        emails: [{ primary: true, value: 'new.hire@acme.com', type: 'work' }],
      });
      expect(fixed.status).toBe(201);
      expect((await okta.get(`/Users/${fixed.body.id}`)).body).toMatchObject({
        userName: 'new.hire@acme.com',
        emails: [{ value: 'new.hire@acme.com' }],
      });
    });

    it('leaves the whole sequence in the push history, as the IdP', async () => {
      const history = await db.dataSource.query<Array<Record<string, unknown>>>(
        `SELECT operation, outcome, http_status, actor FROM scim_push WHERE scim_record_id = $1 ORDER BY id`,
        [userId],
      );
      expect(history.map((push) => [push.operation, push.outcome, push.http_status])).toEqual([
        ['CREATE', 'APPLIED', 201],
        ['REPLACE', 'APPLIED', 200],
        ['PATCH', 'APPLIED', 200],
        ['PATCH', 'APPLIED', 200],
        ['PATCH', 'APPLIED', 200],
        ['REPLACE', 'APPLIED', 200],
        ['PATCH', 'APPLIED', 200],
      ]);
      expect(new Set(history.map((push) => push.actor))).toEqual(new Set([`scim:${directoryId}`]));
    });
  });

  describe('Microsoft Entra ID', () => {
    let entra: ScimClient;
    let userId: string;
    let accountId: string;
    const externalId = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
    const createBody = {
      schemas: [SCIM.user, SCIM.enterprise],
      externalId,
      userName: 'Test_User_ab6490ee@acme.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@acme.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [SCIM.enterprise]: { employeeNumber: '701984', department: 'Tour Operations' },
    };

    beforeAll(async () => {
      const directory = await fixtures(db.dataSource).directory(organizationId, 'Entra ID');
      entra = scimClient(app.url, directory.id, directory.token);
    });

    it('1. probes with a userName it knows nobody has, then matches on externalId: both empty', async () => {
      const probe = await entra.get(`/Users${filterQuery('userName eq "non-existent user"')}`);
      expect(probe).toMatchObject({ status: 200, body: { totalResults: 0, Resources: [] } });
      const match = await entra.get(`/Users${filterQuery(`externalId eq "${externalId}"`)}`);
      expect(match).toMatchObject({ status: 200, body: { totalResults: 0 } });
    });

    it('2. creates the user with the enterprise extension', async () => {
      const response = await entra.post('/Users', createBody);
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        externalId,
        emails: [{ value: 'Test_User_fd0ea19b@acme.com', type: 'work', primary: true }],
        roles: [],
        [SCIM.enterprise]: { employeeNumber: '701984', department: 'Tour Operations' },
      });
      expect(response.body.meta.resourceType).toBe('User');
      userId = response.body.id;
      accountId = (await accountOf(userId)).account.id;
      expect(await account(accountId)).toMatchObject({ email: 'Test_User_fd0ea19b@acme.com', status: 'ACTIVE' });
    });

    it('2b. a repeat of the create answers 409 uniqueness (Entra reads it as "exists")', async () => {
      expect(await entra.post('/Users', createBody)).toMatchObject({
        status: 409,
        body: {
          scimType: 'uniqueness',
          detail: 'Resource [USER]: with userName[Test_User_ab6490ee@acme.com] already exists.',
        },
      });
      expect((await entra.get(`/Users/${userId}`)).body.externalId).toBe(externalId);
    });

    it('3. finds it with eq and and filters only', async () => {
      const byExternalId = await entra.get(`/Users${filterQuery(`externalId eq "${externalId}"`)}`);
      expect(byExternalId.body.Resources.map((user: { id: string }) => user.id)).toEqual([userId]);
      const both = await entra.get(
        `/Users${filterQuery(`externalId eq "${externalId}" and userName eq "test_user_ab6490ee@ACME.com"`)}`,
      );
      expect(both.body.totalResults).toBe(1);
      const wrongCase = await entra.get(`/Users${filterQuery(`externalId eq "${externalId.toUpperCase()}"`)}`);
      expect(wrongCase.body.totalResults).toBe(0);
      // Email as a matching attribute: Entra's filter, outside RFC 7644's grammar, read as
      // emails[type eq "work" and value eq "..."].
      const byEmail = await entra.get(
        `/Users${filterQuery('emails[type eq "work"].value eq "Test_User_fd0ea19b@acme.com"')}`,
      );
      expect(byEmail).toMatchObject({ status: 200, body: { totalResults: 1 } });
      expect(byEmail.body.Resources[0].id).toBe(userId);
    });

    it('4. patches with capitalized ops and a value-path email: the account gets the new email', async () => {
      const response = await entra.patch(`/Users/${userId}`, {
        schemas: [SCIM.patchOp],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated.email@acme.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          { op: 'Add', path: 'title', value: 'Tour Guide' },
          { op: 'Add', path: `${SCIM.enterprise}:manager`, value: '26118915-6090-4610-87e4-49d8ca9f808d' },
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        emails: [{ value: 'updated.email@acme.com', type: 'work', primary: true }],
        name: { formatted: 'givenName familyName', familyName: 'updatedFamilyName', givenName: 'givenName' },
        title: 'Tour Guide',
        [SCIM.enterprise]: { employeeNumber: '701984', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
      });
      expect(await account(accountId)).toMatchObject({ email: 'updated.email@acme.com', status: 'ACTIVE' });
    });

    it('5. patches with no path and an object value, dotted keys included', async () => {
      const response = await entra.patch(`/Users/${userId}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'Replace', value: { displayName: 'Entra Display', 'name.givenName': 'Given2' } }],
      });
      expect(response).toMatchObject({
        status: 200,
        body: { displayName: 'Entra Display', name: { givenName: 'Given2', familyName: 'updatedFamilyName' } },
      });
    });

    it('6. soft-deletes with active "False" as a string: the account is DEACTIVATED', async () => {
      const response = await entra.patch(`/Users/${userId}`, {
        schemas: [SCIM.patchOp],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });
      expect(response).toMatchObject({ status: 200, body: { active: false } });
      expect(await account(accountId)).toMatchObject({ status: 'DEACTIVATED' });
      const inactive = await entra.get(`/Users${filterQuery(`externalId eq "${externalId}" and active eq "False"`)}`);
      expect(inactive.body.totalResults).toBe(1);
    });

    it('7. deletes after the soft delete: 204, the record is gone, the account and its history stay', async () => {
      expect((await entra.delete(`/Users/${userId}`)).status).toBe(204);
      expect((await entra.get(`/Users/${userId}`)).status).toBe(404);
      expect((await entra.get(`/Users${filterQuery(`externalId eq "${externalId}"`)}`)).body.totalResults).toBe(0);
      expect(await account(accountId)).toMatchObject({
        email: 'updated.email@acme.com',
        status: 'DEACTIVATED',
        scimRecords: [],
      });
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM account_email_change WHERE account_id = $1`,
        [accountId],
      );
      expect(count).toBe(1);
    });

    it('8. provisioning the person again creates a new record linked to the same account, reactivated', async () => {
      const again = await entra.post('/Users', {
        ...createBody,
        emails: [{ primary: true, type: 'work', value: 'updated.email@acme.com' }],
      });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(userId);
      expect((await accountOf(again.body.id)).account).toMatchObject({ id: accountId, status: 'ACTIVE' });
    });
  });
});
