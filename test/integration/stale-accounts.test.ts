import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';

interface SuspendAccountsPayload {
  accounts: Array<{ email: string; status: string; statusReason: string | null }>;
  userErrors: Array<{ code: string; field: string | null; message: string }>;
  dryRun: boolean;
  replayed: boolean;
  change: { action: string; targetType: string; targetId: string; before: unknown; after: unknown } | null;
}

const DAY = 86_400_000;

describe('stale external accounts outside migrations: filters and bulk suspension (rule R5)', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;
  let token: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('stale')).id;
    await given.domain(organizationId, 'corp.example', { verified: true, claimed: true });
    await given.domain(organizationId, 'pending.example');
    for (const email of ['ana@corp.example', 'ben@corp.example', 'cid@pending.example', 'dee@gmail.example']) {
      ids[email] = (await given.account(organizationId, email, { managed: email.endsWith('@corp.example') })).id;
    }
    // Another organization's external account never shows.
    const other = (await given.organization('stale-other')).id;
    await given.account(other, 'eve@gmail.example');
    token = await app.token(organizationId, undefined, 'admin@corp.example');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const emails = async (filter: Record<string, unknown>) => {
    const { data, errors } = await app.gql<{
      accounts: { totalCount: number; edges: Array<{ node: { email: string } }> };
    }>(
      `query($filter: AccountFilter) { accounts(filter: $filter, first: 100) { totalCount edges { node { email } } } }`,
      { filter },
      { token },
    );
    expect(errors).toBeUndefined();
    expect(data!.accounts.totalCount).toBe(data!.accounts.edges.length);
    return data!.accounts.edges.map((edge) => edge.node.email);
  };
  const lastActivity = async (id: string) => {
    const { data } = await app.gql<{ account: { lastActivityAt: string } }>(
      `query($id: ID!) { account(id: $id) { lastActivityAt } }`,
      { id },
      { token },
    );
    return Date.parse(data!.account.lastActivityAt);
  };
  const setLastActivity = (email: string, daysAgo: number) =>
    db.dataSource.query(`UPDATE account SET last_activity_at = now() - make_interval(days => $2) WHERE id = $1`, [
      ids[email],
      daysAgo,
    ]);
  const suspendAccounts = async (accountIds: string[], options = '', reason = 'Quarterly review') => {
    const { data, errors } = await app.gql<{ suspendAccounts: SuspendAccountsPayload }>(
      `mutation($ids: [ID!]!, $reason: String!) { suspendAccounts(ids: $ids, reason: $reason${options}) {
          accounts { email status statusReason } userErrors { code field message } dryRun replayed
          change { action targetType targetId before after } } }`,
      { ids: accountIds, reason },
      { token },
    );
    expect(errors).toBeUndefined();
    return data!.suspendAccounts;
  };

  it("filters external accounts: email on none of the organization's verified domains", async () => {
    expect(await emails({ external: true })).toEqual(['cid@pending.example', 'dee@gmail.example']);
    expect(await emails({ external: false })).toEqual(['ana@corp.example', 'ben@corp.example']);
    expect(await emails({ external: true, emailPrefix: 'd' })).toEqual(['dee@gmail.example']);
  });

  it('filters inactive accounts by lastActivityAt, which a new account starts at its creation', async () => {
    const now = Date.now();
    expect(Math.abs((await lastActivity(ids['ana@corp.example'])) - now)).toBeLessThan(60_000);
    await setLastActivity('ben@corp.example', 200);
    await setLastActivity('dee@gmail.example', 100);
    const ninetyDaysAgo = new Date(now - 90 * DAY).toISOString();
    expect(await emails({ inactiveSince: ninetyDaysAgo })).toEqual(['ben@corp.example', 'dee@gmail.example']);
    expect(await emails({ inactiveSince: ninetyDaysAgo, external: true })).toEqual(['dee@gmail.example']);
    expect(await emails({ inactiveSince: new Date(now - 150 * DAY).toISOString() })).toEqual(['ben@corp.example']);
  });

  it('counts renames, returns to ACTIVE and SCIM email pushes as activity, not suspensions', async () => {
    await setLastActivity('ana@corp.example', 300);
    const before = await lastActivity(ids['ana@corp.example']);
    await app.gql(
      `mutation($id: ID!) { suspendAccount(id: $id, reason: "Review") { userErrors { code } } }`,
      { id: ids['ana@corp.example'] },
      { token },
    );
    expect(await lastActivity(ids['ana@corp.example'])).toBe(before);
    await app.gql(
      `mutation($id: ID!) { restoreAccount(id: $id) { userErrors { code } } }`,
      { id: ids['ana@corp.example'] },
      {
        token,
      },
    );
    expect(await lastActivity(ids['ana@corp.example'])).toBeGreaterThan(Date.now() - 60_000);

    await setLastActivity('ana@corp.example', 300);
    const { data } = await app.gql<{ renameAccountEmail: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id, newEmail: "ana.b@corp.example") { userErrors { code } } }`,
      { id: ids['ana@corp.example'] },
      { token },
    );
    expect(data!.renameAccountEmail.userErrors).toEqual([]);
    expect(await lastActivity(ids['ana@corp.example'])).toBeGreaterThan(Date.now() - 60_000);

    const directory = await fixtures(db.dataSource).directory(organizationId, 'Okta');
    const idp = identityProvider(db.dataSource, organizationId, directory.id);
    const created = await idp.create({ externalId: 'f1', userName: 'fay@corp.example' });
    if (created.kind !== 'synced') throw new Error('not provisioned');
    const fayId = created.record.accountId!;
    await db.dataSource.query(`UPDATE account SET last_activity_at = now() - interval '300 days' WHERE id = $1`, [
      fayId,
    ]);
    await idp.replace(created.record.id, {
      externalId: 'f1',
      userName: 'fay@corp.example',
      email: 'fay.g@corp.example',
    });
    expect(await lastActivity(fayId)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses the whole call when any account is at fault, listing every one, and changes nothing', async () => {
    await app.gql(
      `mutation($id: ID!) { suspendAccount(id: $id, reason: "Left") { userErrors { code } } }`,
      { id: ids['cid@pending.example'] },
      { token },
    );
    const refused = await suspendAccounts([
      ids['dee@gmail.example'],
      '00000000-0000-4000-8000-000000000000',
      ids['cid@pending.example'],
      ids['dee@gmail.example'],
    ]);
    expect(refused).toEqual({
      accounts: [],
      dryRun: false,
      replayed: false,
      change: null,
      userErrors: [
        { code: 'NOT_FOUND', field: 'ids.1', message: 'No account with that id in your organization.' },
        {
          code: 'INVALID_STATUS_TRANSITION',
          field: 'ids.2',
          message: 'cid@pending.example is SUSPENDED; suspendAccounts needs it ACTIVE.',
        },
        { code: 'INVALID_INPUT', field: 'ids.3', message: 'dee@gmail.example is listed more than once.' },
      ],
    });
    expect(await emails({ status: 'SUSPENDED' })).toEqual(['cid@pending.example']);
    expect((await suspendAccounts([], '', ' ')).userErrors.map((error) => error.field)).toEqual(['ids', 'reason']);
  });

  it('suspends every account or none: dryRun writes nothing, each account audited, repeat-safe with a key', async () => {
    const targets = [ids['dee@gmail.example'], ids['ben@corp.example']];
    const dry = await suspendAccounts(targets, ', dryRun: true');
    expect(dry).toMatchObject({
      dryRun: true,
      userErrors: [],
      accounts: [{ status: 'SUSPENDED' }, { status: 'SUSPENDED' }],
    });
    expect(await emails({ status: 'SUSPENDED' })).toEqual(['cid@pending.example']);

    const done = await suspendAccounts(targets, ', idempotencyKey: "review-q3"');
    expect(done).toMatchObject({
      userErrors: [],
      replayed: false,
      accounts: [
        { email: 'dee@gmail.example', status: 'SUSPENDED', statusReason: 'Quarterly review' },
        { email: 'ben@corp.example', status: 'SUSPENDED', statusReason: 'Quarterly review' },
      ],
      change: {
        action: 'suspendAccounts',
        targetType: 'Account',
        targetId: ids['dee@gmail.example'],
        before: { status: 'ACTIVE', statusReason: null },
        after: { status: 'SUSPENDED', statusReason: 'Quarterly review' },
      },
    });
    expect((await suspendAccounts(targets, ', idempotencyKey: "review-q3"')).replayed).toBe(true);
    expect(await emails({ status: 'SUSPENDED' })).toEqual([
      'ben@corp.example',
      'cid@pending.example',
      'dee@gmail.example',
    ]);

    const { data } = await app.gql<{ auditEvents: { edges: Array<{ node: { targetId: string } }> } }>(
      `{ auditEvents(filter: { action: "suspendAccounts" }) { edges { node { targetId } } } }`,
      undefined,
      { token },
    );
    expect(data!.auditEvents.edges.map((edge) => edge.node.targetId).sort()).toEqual([...targets].sort());
  });
});
