import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';

/** Races on real Postgres: parallel HTTP requests, each on its own pooled connection. */
describe('concurrent mutations', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 25 });
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('race')).id;
    await given.domain(organizationId, 'race.example', { verified: true, claimed: true });
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('gives 20 concurrent placeholder renames of accounts sharing a local part 20 distinct emails', async () => {
    const given = fixtures(db.dataSource);
    const accounts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => given.account(organizationId, `sam+${i}@race.example`)),
    );
    const responses = await Promise.all(
      accounts.map((account) =>
        app.gql<{ renameAccountEmail: { account: { email: string }; userErrors: unknown[] } }>(
          `mutation($id: ID!) { renameAccountEmail(accountId: $id) { account { email } userErrors { code message } } }`,
          { id: account.id },
          { token },
        ),
      ),
    );
    for (const response of responses) {
      expect(response.errors).toBeUndefined();
      expect(response.data!.renameAccountEmail.userErrors).toEqual([]);
    }
    const emails = responses.map((response) => response.data!.renameAccountEmail.account.email).sort();
    const expected = [
      'sam+duplicated@race.example',
      ...Array.from({ length: 19 }, (_, i) => `sam+duplicated${i + 2}@race.example`),
    ].sort();
    expect(emails).toEqual(expected);
  });

  it('lets exactly one of two racing resyncs take an email; the other is EMAIL_TAKEN, never a 500', async () => {
    const given = fixtures(db.dataSource);
    const okta = identityProvider(db.dataSource, organizationId, (await given.directory(organizationId, 'Okta')).id);
    const entra = identityProvider(db.dataSource, organizationId, (await given.directory(organizationId, 'Entra')).id);
    const first = await okta.create({ externalId: 'p1', userName: 'pat@race.example' });
    const second = await entra.create({ externalId: 'p2', userName: 'patricia@race.example' });
    const records = [first, second].map((pushed) => (pushed.kind === 'synced' ? pushed.record.id : ''));
    // Both IdPs now want the same address for their user (stored desired state, not yet applied).
    await db.dataSource.query(`UPDATE scim_record SET email = 'p@race.example' WHERE id = ANY($1::uuid[])`, [records]);

    const responses = await Promise.all(
      records.map((id) =>
        app.gql<{
          resyncScimRecord: {
            scimRecord: { syncStatus: string };
            userErrors: Array<{ code: string; message: string }>;
          };
        }>(
          `mutation($id: ID!) { resyncScimRecord(id: $id) { scimRecord { syncStatus } userErrors { code message } } }`,
          { id },
          { token },
        ),
      ),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(JSON.stringify(response.data)).not.toMatch(/duplicate key|unique constraint|23505/);
    }
    const outcomes = responses
      .map((response) => response.data!.resyncScimRecord)
      .sort((a, b) => a.scimRecord.syncStatus.localeCompare(b.scimRecord.syncStatus));
    expect(outcomes).toEqual([
      {
        scimRecord: { syncStatus: 'FAILED' },
        userErrors: [{ code: 'EMAIL_TAKEN', message: 'Resource [USER]: with email[p@race.example] already exists.' }],
      },
      { scimRecord: { syncStatus: 'SYNCED' }, userErrors: [] },
    ]);
    const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int FROM account WHERE lower(email) = 'p@race.example'`,
    );
    expect(count).toBe(1);
  });

  it('applies the same idempotency key once when it arrives 10 times at once', async () => {
    const account = await fixtures(db.dataSource).account(organizationId, 'ida@race.example');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.gql<{ renameAccountEmail: { replayed: boolean; account: { email: string }; userErrors: unknown[] } }>(
          `mutation($id: ID!) { renameAccountEmail(accountId: $id, newEmail: "ida.new@race.example", idempotencyKey: "rename-ida") { replayed account { email } userErrors { code } } }`,
          { id: account.id },
          { token },
        ),
      ),
    );
    const payloads = responses.map((response) => {
      expect(response.errors).toBeUndefined();
      return response.data!.renameAccountEmail;
    });
    expect(payloads.filter((payload) => !payload.replayed)).toHaveLength(1);
    for (const payload of payloads)
      expect(payload).toMatchObject({ account: { email: 'ida.new@race.example' }, userErrors: [] });
    const [{ changes }] = await db.dataSource.query<Array<{ changes: number }>>(
      `SELECT count(*)::int AS changes FROM account_email_change WHERE account_id = $1`,
      [account.id],
    );
    const [{ events }] = await db.dataSource.query<Array<{ events: number }>>(
      `SELECT count(*)::int AS events FROM audit_event WHERE target_id = $1`,
      [account.id],
    );
    expect({ changes, events }).toEqual({ changes: 1, events: 1 });
  });
});
