import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';

interface AccountPayload {
  account: { status: string; statusReason: string | null; version: number } | null;
  userErrors: Array<{ code: string; field: string | null; rule: string | null; message: string }>;
  dryRun: boolean;
  change: { action: string; targetType: string; before: unknown; after: unknown } | null;
}

const PAYLOAD =
  'account { status statusReason version } userErrors { code field rule message } dryRun change { action targetType before after }';

describe('reactivateAccount: a DEACTIVATED account back on, rule R1 respected', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('reactivation')).id;
    await given.domain(organizationId, 'corp.example', { verified: true, claimed: true });
    token = await app.token(organizationId, undefined, 'admin@corp.example');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const mutate = async (mutation: string, id: string, extra = '', as = token): Promise<AccountPayload> => {
    const { data, errors } = await app.gql<Record<string, AccountPayload>>(
      `mutation($id: ID!) { ${mutation}(id: $id${extra}) { ${PAYLOAD} } }`,
      { id },
      { token: as },
    );
    expect(errors).toBeUndefined();
    return data![mutation];
  };

  it('reactivates a deactivated managed account: ACTIVE, reason cleared, audited; dryRun writes nothing', async () => {
    const { id } = await fixtures(db.dataSource).account(organizationId, 'ola@corp.example', { managed: true });
    expect(await mutate('deactivateAccount', id, ', reason: "Left"')).toMatchObject({
      account: { status: 'DEACTIVATED', statusReason: 'Left' },
      userErrors: [],
    });

    const dry = await mutate('reactivateAccount', id, ', dryRun: true');
    expect(dry).toMatchObject({ dryRun: true, userErrors: [], account: { status: 'ACTIVE' } });
    const { data } = await app.gql<{ account: { status: string } }>(
      `query($id: ID!) { account(id: $id) { status } }`,
      { id },
      { token },
    );
    expect(data!.account.status).toBe('DEACTIVATED');

    expect(await mutate('reactivateAccount', id, ', expectedVersion: 2, idempotencyKey: "reactivate-ola"')).toEqual({
      account: { status: 'ACTIVE', statusReason: null, version: 3 },
      userErrors: [],
      dryRun: false,
      change: {
        action: 'reactivateAccount',
        targetType: 'Account',
        before: { status: 'DEACTIVATED', statusReason: 'Left' },
        after: { status: 'ACTIVE', statusReason: null },
      },
    });
    // Only a DEACTIVATED account: an ACTIVE one is refused, naming the argument.
    expect((await mutate('reactivateAccount', id)).userErrors).toEqual([
      {
        code: 'INVALID_STATUS_TRANSITION',
        field: 'id',
        rule: null,
        message: 'ola@corp.example is ACTIVE; reactivateAccount needs it DEACTIVATED.',
      },
    ]);
  });

  it('is for DEACTIVATED accounts; a SUSPENDED one is restored with restoreAccount', async () => {
    const { id } = await fixtures(db.dataSource).account(organizationId, 'pat@corp.example', { managed: true });
    await mutate('suspendAccount', id, ', reason: "Review"');
    expect((await mutate('reactivateAccount', id)).userErrors).toMatchObject([
      { code: 'INVALID_STATUS_TRANSITION', field: 'id' },
    ]);
    expect((await mutate('restoreAccount', id)).account).toMatchObject({ status: 'ACTIVE' });
  });

  it('refuses an IdP-managed account (rule R1): the IdP reactivates it with its next push', async () => {
    const directory = await fixtures(db.dataSource).directory(organizationId, 'Okta');
    const idp = identityProvider(db.dataSource, organizationId, directory.id);
    const created = await idp.create({ externalId: 'q1', userName: 'quinn@corp.example' });
    if (created.kind !== 'synced') throw new Error('not provisioned');
    const accountId = created.record.accountId!;
    await idp.replace(created.record.id, { externalId: 'q1', userName: 'quinn@corp.example', active: false });

    const refused = await mutate('reactivateAccount', accountId);
    expect(refused).toMatchObject({
      account: { status: 'DEACTIVATED' },
      userErrors: [{ code: 'IDP_MANAGED_ACCOUNT', field: 'id', rule: 'R1' }],
      change: null,
    });
    await idp.replace(created.record.id, { externalId: 'q1', userName: 'quinn@corp.example', active: true });
    const { data } = await app.gql<{ account: { status: string } }>(
      `query($id: ID!) { account(id: $id) { status } }`,
      { id: accountId },
      { token },
    );
    expect(data!.account.status).toBe('ACTIVE');
  });

  it('refuses an unmanaged account, and one whose address another organization has since verified (rule R8)', async () => {
    const given = fixtures(db.dataSource);
    const unmanaged = await given.account(organizationId, 'rae@elsewhere.example');
    await db.dataSource.query(`UPDATE account SET status = 'DEACTIVATED' WHERE id = $1`, [unmanaged.id]);
    expect((await mutate('reactivateAccount', unmanaged.id)).userErrors).toMatchObject([
      { code: 'ACCOUNT_NOT_MANAGED', field: 'id' },
    ]);

    await given.domain(organizationId, 'shared.example', { verified: true, claimed: true });
    const holder = await given.account(organizationId, 'sam@shared.example', { managed: true });
    await mutate('deactivateAccount', holder.id);
    const owner = (await given.organization('reactivation-owner')).id;
    const ownerDomain = await given.domain(owner, 'shared.example');
    // Another organization proves the domain: every other verification of it is superseded.
    await db.dataSource.query(`UPDATE domain SET status = 'SUPERSEDED' WHERE name = 'shared.example' AND id <> $1`, [
      ownerDomain.id,
    ]);
    await db.dataSource.query(`UPDATE domain SET status = 'VERIFIED', verified_at = now() WHERE id = $1`, [
      ownerDomain.id,
    ]);
    expect((await mutate('reactivateAccount', holder.id)).userErrors).toEqual([
      {
        code: 'EMAIL_UNAVAILABLE',
        field: 'id',
        rule: 'R8',
        message:
          'sam@shared.example cannot be used by your organization: it is in use outside it, or its domain belongs to another organization.',
      },
    ]);
  });

  it('answers an unknown id as NOT_FOUND on id', async () => {
    expect((await mutate('reactivateAccount', '00000000-0000-4000-8000-000000000000')).userErrors).toMatchObject([
      { code: 'NOT_FOUND', field: 'id' },
    ]);
  });
});
