import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';

/** Issue 13's "Words": what the API says names what it does, over HTTP. */
describe('words', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let organizationId: string;
  let given: ReturnType<typeof fixtures>;
  let okta: ReturnType<typeof scimClient>;

  type Step = { action: string; arguments: Record<string, unknown>; description: string; done: boolean };
  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(query, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const user = (externalId: string, userName: string, email: string) => ({
    schemas: [SCIM.user],
    externalId,
    userName,
    emails: [{ primary: true, value: email }],
    active: true,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    given = fixtures(db.dataSource);
    organizationId = (await given.organization('words')).id;
    await given.domain(organizationId, 'words.example', { verified: true, claimed: true });
    token = await app.token(organizationId, undefined, 'admin@words.example');
    const directory = await given.directory(organizationId, 'Okta');
    okta = scimClient(app.url, directory.id, directory.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it("a rename step names the placeholder the rename will pick, not the series' first when that is taken", async () => {
    const created = await okta.post('/Users', user('00u1', 'alice@words.example', 'alice@words.example'));
    expect(created.status).toBe(201);
    const holder = await given.account(organizationId, 'alice.smith@words.example', { managed: true });
    await given.account(organizationId, 'alice.smith+duplicated@words.example', { managed: true });
    expect(
      (await okta.put(`/Users/${created.body.id}`, user('00u1', 'alice@words.example', 'alice.smith@words.example')))
        .status,
    ).toBe(409);

    // Planned with the list, and through the loader for a single conflict: the same words.
    const listed = await gql<{
      conflicts: { edges: Array<{ node: { id: string; kind: string; remediation: Step[] } }> };
    }>(
      `query { conflicts(filter: { email: "alice.smith@words.example" }, first: 10) {
         edges { node { id kind remediation { action arguments description done } } } } }`,
    );
    const node = listed.conflicts.edges.map((edge) => edge.node).find((n) => n.kind === 'EMAIL_TAKEN')!;
    const single = await gql<{ conflict: { remediation: Step[] } }>(
      `query($id: ID!) { conflict(id: $id) { remediation { action arguments description done } } }`,
      { id: node.id },
    );
    for (const steps of [node.remediation, single.conflict.remediation]) {
      expect(steps[0].action).toBe('renameAccountEmail');
      expect(steps[0].description).toContain('(alice.smith+duplicated2@words.example)');
    }

    const renamed = await gql<{ renameAccountEmail: { account: { email: string } | null } }>(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id) { account { email } } }`,
      { id: holder.id },
    );
    expect(renamed.renameAccountEmail.account!.email).toBe('alice.smith+duplicated2@words.example');
  });

  it('when the IdP changes userName and email together, EMAIL_TAKEN names its own account and the holder', async () => {
    const created = await okta.post('/Users', user('00u2', 'hank@words.example', 'hank@words.example'));
    expect(created.status).toBe(201);
    await given.account(organizationId, 'henry@words.example', { managed: true });
    const put = await okta.put(`/Users/${created.body.id}`, user('00u2', 'henry@words.example', 'henry@words.example'));
    expect(put.status).toBe(409);
    const found = await gql<{ conflicts: { edges: Array<{ node: { kind: string; summary: string } }> } }>(
      `query { conflicts(filter: { email: "henry@words.example" }, first: 10) { edges { node { kind summary } } } }`,
    );
    expect(found.conflicts.edges.map((edge) => edge.node)).toEqual([
      {
        kind: 'EMAIL_TAKEN',
        summary:
          'Okta wants the account of hank@words.example to have henry@words.example, which the account henry@words.example already owns.',
      },
    ]);
  });

  it('a push onto an unmanaged account waits for a claim; claimAccounts takes the claimAccount step', async () => {
    const zoe = await given.account(organizationId, 'zoe@words.example');
    const created = await okta.post('/Users', user('00u3', 'zoe@words.example', 'zoe@words.example'));
    expect(created.status).toBe(201);
    // Accepted, not provisioned: the IdP is told so in a declared read-only extension, and the log says it too.
    const extension = 'urn:identity-governance:params:scim:schemas:extension:provisioning:2.0:User';
    expect(created.body.schemas).toContain(extension);
    const waiting = {
      status: 'PENDING',
      detail: 'Waiting for zoe@words.example to be claimed before it is linked (no silent takeover).',
    };
    expect(created.body[extension]).toEqual(waiting);
    expect((await okta.get(`/Users/${created.body.id}`)).body[extension]).toEqual(waiting);
    const schemas = await okta.get('/Schemas');
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toContain(extension);
    const log = await gql<{ scimRecord: { pushHistory: Array<{ outcome: string; detail: string | null }> } }>(
      `query($id: ID!) { scimRecord(id: $id) { pushHistory { outcome detail } } }`,
      { id: created.body.id },
    );
    expect(log.scimRecord.pushHistory).toEqual([{ outcome: 'PENDING', detail: waiting.detail }]);
    const stepsOf = async () =>
      (
        await gql<{ conflicts: { edges: Array<{ node: { kind: string; remediation: Step[] } }> } }>(
          `query { conflicts(filter: { email: "zoe@words.example", status: OPEN }, first: 10) {
             edges { node { kind remediation { action arguments description done } } } } }`,
        )
      ).conflicts.edges
        .map((edge) => edge.node)
        .filter((node) => node.kind === 'UNMANAGED_ACCOUNT')
        .map((node) => node.remediation.map((step) => [step.action, step.done]));
    expect(await stepsOf()).toEqual([
      [
        ['claimAccount', false],
        ['linkScimRecord', false],
        ['resyncScimRecord', false],
      ],
    ]);
    const claimed = await gql<{ claimAccounts: { userErrors: unknown[] } }>(
      `mutation($ids: [ID!]!) { claimAccounts(ids: $ids) { userErrors { code } } }`,
      { ids: [zoe.id] },
    );
    expect(claimed.claimAccounts.userErrors).toEqual([]);
    expect(await stepsOf()).toEqual([
      [
        ['claimAccount', true],
        ['linkScimRecord', false],
        ['resyncScimRecord', false],
      ],
    ]);
  });
});

describe('words: userErrors.field names the argument', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('fields')).id;
    token = await app.token(organizationId, undefined, 'admin@fields.example');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const unknown = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['resyncScimRecord', ''],
    ['deleteScimRecord', ''],
    ['unlinkScimRecord', ''],
    ['linkScimRecord', `, accountId: "${unknown}"`],
    ['verifyDomain', ''],
    ['claimDomain', ''],
    ['completeDomainMigration', ''],
    ['cancelDomainMigration', ''],
    ['rotateDirectoryToken', ''],
    ['dismissConflict', ', reason: "r"'],
    ['deleteWebhook', ''],
    ['suspendAccount', ', reason: "r"'],
    ['restoreAccount', ''],
    ['reactivateAccount', ''],
    ['deactivateAccount', ''],
  ])('%s(id) refuses an unknown id with field "id"', async (name, more) => {
    const response = await app.gql<Record<string, { userErrors: Array<{ code: string; field: string | null }> }>>(
      `mutation { ${name}(id: "${unknown}"${more}) { userErrors { code field } } }`,
      undefined,
      { token },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data![name].userErrors).toEqual([{ code: 'NOT_FOUND', field: 'id' }]);
  });
});

describe('a dismissal holds while its cause is unchanged', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let directoryId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('dismissals')).id;
    await given.domain(organizationId, 'dismiss.example', { verified: true, claimed: true });
    token = await app.token(organizationId, undefined, 'admin@dismiss.example');
    directoryId = (await given.directory(organizationId, 'Entra', { sso: 'mail', scim: 'userPrincipalName' })).id;
    await given.account(organizationId, 'zed@dismiss.example');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(query, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const detect = () => gql(`mutation { detectConflicts { userErrors { code } } }`);
  const all = async () =>
    (
      await gql<{ conflicts: { edges: Array<{ node: { id: string; kind: string; status: string } }> } }>(
        `query { conflicts(first: 50) { edges { node { id kind status } } } }`,
      )
    ).conflicts.edges
      .map((edge) => edge.node)
      .sort((a, b) => `${a.kind}${a.status}`.localeCompare(`${b.kind}${b.status}`));

  it('a rescan leaves dismissed conflicts dismissed, and opens one anew when its cause names other facts', async () => {
    await detect();
    const open = await all();
    expect(open.map((c) => [c.kind, c.status])).toEqual([
      ['MAPPING_MISMATCH', 'OPEN'],
      ['UNMANAGED_ACCOUNT', 'OPEN'],
    ]);
    for (const conflict of open) {
      const dismissed = await gql<{ dismissConflict: { userErrors: unknown[] } }>(
        `mutation($id: ID!) { dismissConflict(id: $id, reason: "Known, accepted") { userErrors { code } } }`,
        { id: conflict.id },
      );
      expect(dismissed.dismissConflict.userErrors).toEqual([]);
    }
    await detect();
    await detect();
    expect((await all()).map((c) => [c.kind, c.status])).toEqual([
      ['MAPPING_MISMATCH', 'DISMISSED'],
      ['UNMANAGED_ACCOUNT', 'DISMISSED'],
    ]);

    // Another mismatch is another cause: the rescan opens it.
    await db.dataSource.query(
      `UPDATE directory SET scim_email_attribute = 'emails[type eq "work"].value' WHERE id = $1`,
      [directoryId],
    );
    await detect();
    expect((await all()).map((c) => [c.kind, c.status])).toEqual([
      ['MAPPING_MISMATCH', 'DISMISSED'],
      ['MAPPING_MISMATCH', 'OPEN'],
      ['UNMANAGED_ACCOUNT', 'DISMISSED'],
    ]);
  });
});
