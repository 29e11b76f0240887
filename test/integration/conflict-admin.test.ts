import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';

/** Issue 13's conflict admin workflows over HTTP: finding conflicts by email, bulk dismissal. */
describe('conflicts by email, and dismissConflicts', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let emailTaken: string;
  let unmanaged: string;

  type Node = { id: string; kind: string; status: string; email: string | null };
  const byEmail = async (email: string) =>
    (
      await app.gql<{ conflicts: { edges: Array<{ node: Node & { account: { email: string } | null } }> } }>(
        `query($email: String) { conflicts(filter: { email: $email }, first: 50) { edges { node { id kind status email account { email } } } } }`,
        { email },
        { token },
      )
    ).data!.conflicts.edges.map((edge) => edge.node);

  type Payload = {
    conflicts: Array<{ id: string; status: string; dismissReason: string | null }>;
    userErrors: Array<{ code: string; field: string }>;
    dryRun: boolean;
    replayed: boolean;
  };
  const dismiss = async (variables: { ids: string[]; reason: string; dryRun?: boolean; idempotencyKey?: string }) =>
    (
      await app.gql<{ dismissConflicts: Payload }>(
        `mutation($ids: [ID!]!, $reason: String!, $dryRun: Boolean, $idempotencyKey: String) {
           dismissConflicts(ids: $ids, reason: $reason, dryRun: $dryRun, idempotencyKey: $idempotencyKey) {
             conflicts { id status dismissReason } userErrors { code field } dryRun replayed } }`,
        variables,
        { token },
      )
    ).data!.dismissConflicts;
  const statusOf = async (id: string) =>
    (
      await app.gql<{ conflict: { status: string } }>(
        `query($id: ID!) { conflict(id: $id) { status } }`,
        { id },
        { token },
      )
    ).data!.conflict.status;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('conflictadmin')).id;
    await given.domain(organizationId, 'conf.example', { verified: true, claimed: true });
    token = await app.token(organizationId, undefined, 'admin@conf.example');
    const directory = await given.directory(organizationId, 'Okta');
    const okta = scimClient(app.url, directory.id, directory.token);
    const alice = (email: string) => ({
      schemas: [SCIM.user],
      externalId: '00u1',
      userName: 'alice@conf.example',
      emails: [{ primary: true, value: email }],
      active: true,
    });
    const created = await okta.post('/Users', alice('alice@conf.example'));
    expect(created.status).toBe(201);
    await given.account(organizationId, 'alice.smith@conf.example', { managed: true });
    await given.account(organizationId, 'zed@conf.example');
    // The article's case: the IdP renames alice onto an address another account owns.
    expect((await okta.put(`/Users/${created.body.id}`, alice('alice.smith@conf.example'))).status).toBe(409);
    const rescan = await app.gql<{ detectConflicts: { userErrors: unknown[] } }>(
      `mutation { detectConflicts { userErrors { code } } }`,
      undefined,
      { token },
    );
    expect(rescan.data!.detectConflicts.userErrors).toEqual([]);
    emailTaken = (await byEmail('alice.smith@conf.example')).find((node) => node.kind === 'EMAIL_TAKEN')!.id;
    unmanaged = (await byEmail('zed@conf.example'))[0].id;
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it("conflicts(filter: { email }) finds a conflict by its email, its account's or its holder's, case-insensitively", async () => {
    // The conflict's email, which its holder also has.
    expect((await byEmail('Alice.Smith@conf.example')).map((node) => [node.kind, node.email])).toEqual([
      ['EMAIL_TAKEN', 'alice.smith@conf.example'],
    ]);
    // The account the IdP provisions: its own address is not the conflict's.
    expect((await byEmail('ALICE@conf.example')).map((node) => [node.kind, node.account?.email])).toEqual([
      ['EMAIL_TAKEN', 'alice@conf.example'],
    ]);
    expect((await byEmail('zed@conf.example')).map((node) => node.kind)).toEqual(['UNMANAGED_ACCOUNT']);
    expect(await byEmail('nobody@conf.example')).toEqual([]);
  });

  it('dismissConflicts refuses all or none, every problem listed', async () => {
    expect(await dismiss({ ids: [unmanaged], reason: ' ' })).toMatchObject({
      conflicts: [],
      userErrors: [{ code: 'INVALID_INPUT', field: 'reason' }],
    });
    expect(
      await dismiss({ ids: [unmanaged, '00000000-0000-4000-8000-000000000000', unmanaged], reason: 'Contractor' }),
    ).toMatchObject({
      conflicts: [],
      userErrors: [
        { code: 'NOT_FOUND', field: 'ids.1' },
        { code: 'INVALID_INPUT', field: 'ids.2' },
      ],
    });
    expect(await statusOf(unmanaged)).toBe('OPEN');
  });

  it('a dry run answers the dismissals and writes nothing', async () => {
    const dry = await dismiss({ ids: [unmanaged, emailTaken], reason: 'Reviewed', dryRun: true });
    expect(dry).toMatchObject({
      dryRun: true,
      userErrors: [],
      conflicts: [{ status: 'DISMISSED' }, { status: 'DISMISSED' }],
    });
    expect(await statusOf(unmanaged)).toBe('OPEN');
  });

  it('dismisses each with its own audit event; a repeat with the key replays; then they are no longer OPEN', async () => {
    const applied = await dismiss({ ids: [unmanaged, emailTaken], reason: 'Reviewed', idempotencyKey: 'dismiss-1' });
    expect(applied).toEqual({
      conflicts: [
        { id: unmanaged, status: 'DISMISSED', dismissReason: 'Reviewed' },
        { id: emailTaken, status: 'DISMISSED', dismissReason: 'Reviewed' },
      ],
      userErrors: [],
      dryRun: false,
      replayed: false,
    });
    const events = await app.gql<{
      auditEvents: { edges: Array<{ node: { targetId: string; after: { reason: string } } }> };
    }>(`{ auditEvents(filter: { action: "dismissConflicts" }) { edges { node { targetId after } } } }`, undefined, {
      token,
    });
    expect(events.data!.auditEvents.edges.map((edge) => edge.node.targetId).sort()).toEqual(
      [unmanaged, emailTaken].sort(),
    );
    expect(await dismiss({ ids: [unmanaged, emailTaken], reason: 'Reviewed', idempotencyKey: 'dismiss-1' })).toEqual({
      ...applied,
      replayed: true,
    });
    expect(await dismiss({ ids: [emailTaken, unmanaged], reason: 'Again' })).toMatchObject({
      conflicts: [],
      userErrors: [
        { code: 'CONFLICT_NOT_OPEN', field: 'ids.0' },
        { code: 'CONFLICT_NOT_OPEN', field: 'ids.1' },
      ],
    });
  });
});
