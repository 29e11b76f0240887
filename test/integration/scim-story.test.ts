import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';

const EXPECTED_409 =
  '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"Resource [USER]: with email[alice.smith@acme.com] already exists."}';

/** Story 1 of the design (the article's case), with the IdP speaking SCIM and the admin GraphQL. */
describe("story 1 through SCIM and GraphQL: the article's case", () => {
  let db: TestDatabase;
  let app: TestServer;
  let okta: ScimClient;
  let organizationId: string;
  let directoryId: string;
  let token: string;
  let recordId: string;
  let aliceId: string;
  let aliceSmithId: string;

  const oktaUser = (email: string) => ({
    schemas: [SCIM.user],
    id: recordId,
    externalId: '00u1alice',
    userName: 'alice@acme.com',
    name: { givenName: 'Alice', familyName: 'Smith' },
    emails: [{ primary: true, value: email, type: 'work' }],
    active: true,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('story1scim')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    directoryId = directory.id;
    okta = scimClient(app.url, directory.id, directory.token);
    token = await app.token(organizationId, undefined, 'admin@acme.com');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('Directory D provisions alice@acme.com (record R) over SCIM', async () => {
    const created = await okta.post('/Users', oktaUser('alice@acme.com'));
    expect(created.status).toBe(201);
    recordId = created.body.id;
    const { data } = await app.gql<{ scimRecord: { syncStatus: string; account: { id: string; email: string } } }>(
      `query($id: ID!) { scimRecord(id: $id) { syncStatus account { id email } } }`,
      { id: recordId },
      { token },
    );
    expect(data!.scimRecord).toMatchObject({ syncStatus: 'SYNCED', account: { email: 'alice@acme.com' } });
    aliceId = data!.scimRecord.account.id;
  });

  it('a self-signed-up account already owns alice.smith@acme.com', async () => {
    aliceSmithId = (await fixtures(db.dataSource).account(organizationId, 'alice.smith@acme.com')).id;
    const { data } = await app.gql<{ accountByEmail: { id: string; origin: string; idpManaged: boolean } }>(
      `{ accountByEmail(email: "Alice.Smith@acme.com") { id origin idpManaged } }`,
      {},
      { token },
    );
    // Found case-insensitively: this is the address the IdP will collide with.
    expect(data!.accountByEmail).toEqual({ id: aliceSmithId, origin: 'SELF_SIGNUP', idpManaged: false });
  });

  it("the IdP's PUT with the new email answers 409 with exactly the article's body, and still commits", async () => {
    const conflicting = await okta.put(`/Users/${recordId}`, oktaUser('alice.smith@acme.com'));
    expect(conflicting.status).toBe(409);
    expect(conflicting.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(JSON.stringify(conflicting.body)).toBe(EXPECTED_409);

    // The push is the record's desired state, the record is FAILED, the conflict is open.
    const [record] = await db.dataSource.query<Array<{ raw_payload: { emails: Array<{ value: string }> } }>>(
      `SELECT email, sync_status, last_error, raw_payload FROM scim_record WHERE id = $1`,
      [recordId],
    );
    expect(record).toMatchObject({
      email: 'alice.smith@acme.com',
      sync_status: 'FAILED',
      last_error: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
    });
    expect(record.raw_payload.emails[0].value).toBe('alice.smith@acme.com');
    // What the IdP reads back is the user as it was before the refused push: a 409 changes nothing
    // GET answers (RFC 7644 3.3); the refused push waits as the desired state, seen in GraphQL.
    const read = (await okta.get(`/Users/${recordId}`)).body;
    expect(read.emails[0].value).toBe('alice@acme.com');
    expect(read.externalId).toBe('00u1alice');
  });

  it('a repeated push before the fix answers 409 again and keeps the one conflict', async () => {
    const again = await okta.put(`/Users/${recordId}`, oktaUser('alice.smith@acme.com'));
    expect(JSON.stringify(again.body)).toBe(EXPECTED_409);
    const open = await db.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM conflict WHERE scim_record_id = $1 AND status = 'OPEN' AND kind = 'EMAIL_TAKEN'`,
      [recordId],
    );
    expect(open).toHaveLength(1);
  });

  it('GraphQL shows R FAILED with an EMAIL_TAKEN conflict naming both accounts, and the remediation', async () => {
    const { data } = await app.gql<{ scimRecord: Record<string, unknown> }>(
      `query($id: ID!) { scimRecord(id: $id) {
          syncStatus lastError
          pushHistory { operation outcome httpStatus detail }
          conflicts(status: OPEN) { kind account { id } conflictingAccount { id email origin } remediation { position action arguments } }
      } }`,
      { id: recordId },
      { token },
    );
    expect(data!.scimRecord).toEqual({
      syncStatus: 'FAILED',
      lastError: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
      pushHistory: [
        {
          operation: 'REPLACE',
          outcome: 'CONFLICT',
          httpStatus: 409,
          detail: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
        },
        {
          operation: 'REPLACE',
          outcome: 'CONFLICT',
          httpStatus: 409,
          detail: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
        },
        { operation: 'CREATE', outcome: 'APPLIED', httpStatus: 201, detail: null },
      ],
      conflicts: [
        {
          kind: 'EMAIL_TAKEN',
          account: { id: aliceId },
          conflictingAccount: { id: aliceSmithId, email: 'alice.smith@acme.com', origin: 'SELF_SIGNUP' },
          remediation: [
            { position: 1, action: 'renameAccountEmail', arguments: { accountId: aliceSmithId } },
            { position: 2, action: 'resyncScimRecord', arguments: { id: recordId } },
          ],
        },
      ],
    });
  });

  it('the admin renames the conflicting account (no newEmail: the placeholder), then resyncs R', async () => {
    const renamed = await app.gql<{ renameAccountEmail: { account: { email: string }; userErrors: unknown[] } }>(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id) { account { email } userErrors { code message } } }`,
      { id: aliceSmithId },
      { token },
    );
    expect(renamed.data!.renameAccountEmail).toEqual({
      account: { email: 'alice.smith+duplicated@acme.com' },
      userErrors: [],
    });

    const resynced = await app.gql<{ resyncScimRecord: Record<string, unknown> }>(
      `mutation($id: ID!) { resyncScimRecord(id: $id) { scimRecord { syncStatus lastError account { id email } } resolvedConflicts { kind status } userErrors { code } } }`,
      { id: recordId },
      { token },
    );
    expect(resynced.data!.resyncScimRecord).toEqual({
      scimRecord: { syncStatus: 'SYNCED', lastError: null, account: { id: aliceId, email: 'alice.smith@acme.com' } },
      resolvedConflicts: [{ kind: 'EMAIL_TAKEN', status: 'RESOLVED' }],
      userErrors: [],
    });
  });

  it('once resynced, GET answers the applied push', async () => {
    expect((await okta.get(`/Users/${recordId}`)).body.emails[0].value).toBe('alice.smith@acme.com');
  });

  it("the IdP's next PUT succeeds with 200 and the record it describes", async () => {
    const next = await okta.put(`/Users/${recordId}`, oktaUser('alice.smith@acme.com'));
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({
      id: recordId,
      emails: [{ value: 'alice.smith@acme.com', primary: true }],
      active: true,
    });
    const [record] = await db.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT sync_status, attempts FROM scim_record WHERE id = $1`,
      [recordId],
    );
    expect(record).toEqual({ sync_status: 'SYNCED', attempts: 0 });
  });

  it('the audit trail shows every step, each with its actor', async () => {
    const events = await db.dataSource.query<Array<Record<string, string>>>(
      `SELECT action, actor, target_type FROM audit_event ORDER BY id`,
    );
    expect(events.map((event) => [event.action, event.actor, event.target_type])).toEqual([
      ['scim.createUser', `scim:${directoryId}`, 'ScimRecord'],
      ['scim.replaceUser', `scim:${directoryId}`, 'Conflict'],
      ['scim.replaceUser', `scim:${directoryId}`, 'ScimRecord'],
      ['scim.replaceUser', `scim:${directoryId}`, 'ScimRecord'],
      // The placeholder is an unclaimed account on the verified acme.com: rule R3 opens its UNMANAGED_ACCOUNT.
      ['renameAccountEmail', 'admin@acme.com', 'Conflict'],
      ['renameAccountEmail', 'admin@acme.com', 'Account'],
      ['resyncScimRecord', 'admin@acme.com', 'Conflict'],
      ['resyncScimRecord', 'admin@acme.com', 'ScimRecord'],
      ['scim.replaceUser', `scim:${directoryId}`, 'ScimRecord'],
    ]);
  });
});
