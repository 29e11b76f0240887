import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';

/**
 * DUPLICATE_ACCOUNTS by email, found by the full rescan from the records that want an address
 * their account lacks (rules/r6-rename-keeps-data.ts): every case of two accounts under one
 * address, whatever the case of the addresses, and never one account twice.
 */
describe('full rescan: DUPLICATE_ACCOUNTS by email, addresses in any case', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;
  let token: string;
  const account: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('dupes')).id;
    await given.domain(organizationId, 'acme.example', { verified: true, claimed: true });
    const okta = await given.directory(organizationId, 'Okta');
    const entra = await given.directory(organizationId, 'Entra');
    for (const email of ['Pat@acme.example', 'pat.old@acme.example', 'kim@acme.example', 'lee@acme.example']) {
      account[email] = (await given.account(organizationId, email, { managed: true })).id;
    }
    const record = (directoryId: string, userName: string, email: string, accountId: string) =>
      db.dataSource.query(
        `INSERT INTO scim_record (organization_id, directory_id, account_id, user_name, email, emails, sync_status)
         VALUES ($1, $2, $3, $4, $5, jsonb_build_array(jsonb_build_object('value', $5::text, 'primary', true)), 'SYNCED')`,
        [organizationId, directoryId, accountId, userName, email],
      );
    // pat: Okta's record has the account's address in another case (not a record that wants
    // another address); Entra's record wants it in upper case for the account of pat.old.
    await record(okta.id, 'pat', 'PAT@ACME.example', account['Pat@acme.example']);
    await record(entra.id, 'pat.old', 'pat@Acme.Example', account['pat.old@acme.example']);
    // kim: two records, one account, one of them in another case: one person, one account.
    await record(okta.id, 'kim', 'kim@acme.example', account['kim@acme.example']);
    await record(entra.id, 'kim', 'KIM@acme.example', account['kim@acme.example']);
    // lee: alone.
    await record(okta.id, 'lee', 'lee@acme.example', account['lee@acme.example']);
    token = await app.token(organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('opens one for the address two accounts share, none for one account under two records', async () => {
    const { errors } = await app.gql(`mutation { detectConflicts { openedCount } }`, undefined, { token });
    expect(errors).toBeUndefined();
    const duplicates = await db.dataSource.query<
      Array<{ cause_key: string; email: string; account_id: string; conflicting_account_id: string }>
    >(
      `SELECT cause_key, email, account_id, conflicting_account_id FROM conflict
        WHERE organization_id = $1 AND kind = 'DUPLICATE_ACCOUNTS' AND status = 'OPEN'`,
      [organizationId],
    );
    expect(duplicates).toEqual([
      {
        cause_key: 'email:pat@acme.example',
        email: 'pat@acme.example',
        // The stray first: the account whose address is not the one its record wants.
        account_id: account['pat.old@acme.example'],
        conflicting_account_id: account['Pat@acme.example'],
      },
    ]);
  });

  it("reads an address in another case as the account's own: only a record wanting another account's is in conflict", async () => {
    const open = await db.dataSource.query<Array<{ kind: string; cause_key: string }>>(
      `SELECT kind, cause_key FROM conflict WHERE organization_id = $1 AND status = 'OPEN' ORDER BY kind, cause_key`,
      [organizationId],
    );
    const [entraPat] = await db.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM scim_record WHERE organization_id = $1 AND user_name = 'pat.old'`,
      [organizationId],
    );
    expect(open).toEqual([
      { kind: 'DUPLICATE_ACCOUNTS', cause_key: 'email:pat@acme.example' },
      { kind: 'EMAIL_TAKEN', cause_key: `record:${entraPat.id}` },
    ]);
  });

  it('finds nothing new on a second rescan', async () => {
    const { data, errors } = await app.gql<{ detectConflicts: { openedCount: number; resolvedCount: number } }>(
      `mutation { detectConflicts { openedCount resolvedCount } }`,
      undefined,
      { token },
    );
    expect(errors).toBeUndefined();
    expect(data!.detectConflicts).toEqual({ openedCount: 0, resolvedCount: 0 });
  });
});
