import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { tableContents } from '../support/snapshot';
import { seedDemo, type DemoData } from '../../src/seed/demo';

/**
 * Walks every GraphQL path as Globex, holding Acme's ids: nothing of Acme may be read, found,
 * reached through a relation, resolved as an entity, changed, or seen in the audit trail.
 */
describe('tenant isolation over GraphQL', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let globex: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    globex = await app.token(demo.globex.organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const asGlobex = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(query, variables, { token: globex });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const acmeEmails = () =>
    db.dataSource.query<Array<{ email: string }>>(`SELECT email FROM account WHERE organization_id = $1`, [
      demo.acme.organizationId,
    ]);

  it('lists only its own rows', async () => {
    const data = await asGlobex<{
      accounts: { edges: Array<{ node: { email: string } }> };
      scimRecords: { totalCount: number };
      conflicts: { totalCount: number };
      auditEvents: { edges: Array<{ node: { actor: string } }> };
      domains: unknown;
      directories: unknown;
      domainMigrations: unknown;
      governanceReport: unknown;
    }>(`{
      accounts(first: 100) { edges { node { email } } }
      scimRecords(first: 100) { totalCount }
      conflicts(first: 100) { totalCount }
      auditEvents(first: 100) { edges { node { actor } } }
      domains { name } directories { name } domainMigrations { id }
      governanceReport { failedRecordCount openConflictsByKind { kind } mismatchedDirectories { name } }
    }`);
    expect(data.accounts.edges.map((edge) => edge.node.email).sort()).toEqual([
      'frank.grimes@globex.com',
      'hank.scorpio@globex.com',
      'mindy.simmons@globex.com',
    ]);
    expect(data.scimRecords.totalCount).toBe(3);
    expect(data.conflicts.totalCount).toBe(0);
    expect(new Set(data.auditEvents.edges.map((edge) => edge.node.actor))).toEqual(
      new Set(['admin@globex.com', `scim:${demo.globex.directoryId}`]),
    );
    expect(data.domains).toEqual([{ name: 'globex.com' }]);
    expect(data.directories).toEqual([{ name: 'Google Workspace' }]);
    expect(data.domainMigrations).toEqual([]);
    expect(data.governanceReport).toEqual({ failedRecordCount: 0, openConflictsByKind: [], mismatchedDirectories: [] });
  });

  it("finds none of the other organization's objects by id, email or name", async () => {
    const data = await asGlobex(
      `query($account: ID!, $record: ID!, $conflict: ID!) {
        account(id: $account) { id } scimRecord(id: $record) { id } conflict(id: $conflict) { id }
        accountByEmail(email: "alice.smith@acme.com") { id } domain(name: "acme.com") { id }
        byDomain: accounts(filter: { domain: "acme.com" }) { totalCount }
        byPrefix: accounts(filter: { emailPrefix: "alice" }) { totalCount }
        byDirectory: scimRecords(filter: { directoryId: "${demo.acme.directories.okta}" }) { totalCount }
        auditOfAcme: auditEvents(filter: { targetId: $record }) { totalCount }
      }`,
      { account: demo.acme.accounts.alice, record: demo.acme.records.alice, conflict: demo.acme.conflicts.emailTaken },
    );
    expect(data).toEqual({
      account: null,
      scimRecord: null,
      conflict: null,
      accountByEmail: null,
      domain: null,
      byDomain: { totalCount: 0 },
      byPrefix: { totalCount: 0 },
      byDirectory: { totalCount: 0 },
      auditOfAcme: { totalCount: 0 },
    });
  });

  it("resolves the other organization's entity keys to null through _entities", async () => {
    const data = await asGlobex(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }`,
      {
        representations: [
          { __typename: 'Account', id: demo.acme.accounts.alice },
          { __typename: 'Domain', id: demo.acme.domains.acme },
          { __typename: 'Domain', name: 'acme.com' },
          { __typename: 'Directory', id: demo.acme.directories.okta },
          { __typename: 'ScimRecord', id: demo.acme.records.alice },
          { __typename: 'Conflict', id: demo.acme.conflicts.emailTaken },
        ],
      },
    );
    expect(data._entities).toEqual([null, null, null, null, null, null]);
  });

  it('does not follow a relation into another organization, even when a row points there', async () => {
    // A corrupted reference: Globex's record claims Acme's account. The relation must not leak it.
    const [{ id: recordId }] = await db.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM scim_record WHERE organization_id = $1 LIMIT 1`,
      [demo.globex.organizationId],
    );
    await db.dataSource.query(`UPDATE scim_record SET account_id = $1 WHERE id = $2`, [
      demo.acme.accounts.alice,
      recordId,
    ]);
    const data = await asGlobex<{ scimRecord: { account: unknown } }>(
      `query($id: ID!) { scimRecord(id: $id) { account { email } } }`,
      { id: recordId },
    );
    expect(data.scimRecord.account).toBeNull();
  });

  it('changes nothing of the other organization: every mutation answers NOT_FOUND', async () => {
    const before = await tableContents(db.dataSource);
    const data = await asGlobex<Record<string, { userErrors: Array<{ code: string }>; scimToken?: string | null }>>(
      `mutation($account: ID!, $record: ID!, $conflict: ID!, $domain: ID!, $directory: ID!) {
        rename: renameAccountEmail(accountId: $account) { userErrors { code } }
        claim: claimAccount(accountId: $account) { userErrors { code } }
        suspend: suspendAccount(id: $account, reason: "x") { userErrors { code } }
        resync: resyncScimRecord(id: $record) { userErrors { code } }
        remove: deleteScimRecord(id: $record) { userErrors { code } }
        unlink: unlinkScimRecord(id: $record) { userErrors { code } }
        dismiss: dismissConflict(id: $conflict, reason: "x") { userErrors { code } }
        verify: verifyDomain(id: $domain) { userErrors { code } }
        claimDomain(id: $domain) { userErrors { code } }
        mapping: updateDirectoryMapping(directoryId: $directory, ssoEmailAttribute: "a", scimEmailAttribute: "a") { userErrors { code } }
        rotate: rotateDirectoryToken(id: $directory) { userErrors { code } scimToken }
        migrate: startDomainMigration(fromDomain: "acme-legacy.com", toDomain: "acme.com") { userErrors { code } }
      }`,
      {
        account: demo.acme.accounts.bob,
        record: demo.acme.records.alice,
        conflict: demo.acme.conflicts.unmanagedBob,
        domain: demo.acme.domains.legacy,
        directory: demo.acme.directories.okta,
      },
    );
    for (const [field, payload] of Object.entries(data)) {
      expect([field, [...new Set(payload.userErrors.map((error) => error.code))]]).toEqual([field, ['NOT_FOUND']]);
    }
    expect(data.rotate.scimToken).toBeNull();
    expect(await tableContents(db.dataSource)).toEqual(before);
  });

  it('cannot take over an email another organization holds, and learns nothing about its owner', async () => {
    const [{ id }] = await db.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'guest@globex.com', 'globex.com', 'INVITATION') RETURNING id`,
      [demo.globex.organizationId],
    );
    const data = await asGlobex<{ renameAccountEmail: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id, newEmail: "alice.smith@acme.com") { userErrors { code message } } }`,
      { id },
    );
    // One refusal for every reason outside the organization (rule R8): it does not confirm an account there.
    expect(data.renameAccountEmail.userErrors).toEqual([
      {
        code: 'EMAIL_UNAVAILABLE',
        message:
          'alice.smith@acme.com cannot be used by your organization: it is in use outside it, or its domain belongs to another organization.',
      },
    ]);
    expect((await acmeEmails()).map((row) => row.email)).toContain('alice.smith@acme.com');
  });
});
