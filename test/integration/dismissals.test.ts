import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';

/**
 * Issue 13: a dismissal holds while its cause is unchanged, on every path that opens conflicts
 * (SCIM pushes, resyncs, updateDirectoryMapping, the rescan), over HTTP; a cause that changes, or
 * that went away in between, opens anew.
 */
describe('a dismissal holds on every path while its cause is unchanged', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let organizationId: string;
  let directoryId: string;
  let entra: ScimClient;
  let okta: ScimClient;

  type Conflict = { id: string; kind: string; status: string; summary: string; email: string | null };
  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(query, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const conflictsOf = async (kind: string) =>
    (
      await gql<{ conflicts: { edges: Array<{ node: Conflict }> } }>(
        `query($kind: ConflictKind) { conflicts(filter: { kind: $kind }, first: 50) { edges { node { id kind status summary email } } } }`,
        { kind },
      )
    ).conflicts.edges.map((edge) => edge.node);
  const openOf = async (kind: string) => (await conflictsOf(kind)).filter((c) => c.status === 'OPEN');
  const dismiss = async (id: string) => {
    const { dismissConflict } = await gql<{ dismissConflict: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { dismissConflict(id: $id, reason: "Known, accepted") { userErrors { code } } }`,
      { id },
    );
    expect(dismissConflict.userErrors).toEqual([]);
  };
  /** Dismisses the one OPEN conflict of the kind; answers it. */
  const dismissOpen = async (kind: string) => {
    const open = await openOf(kind);
    expect(open).toHaveLength(1);
    await dismiss(open[0].id);
    return open[0];
  };
  const mapping = async (ssoEmailAttribute: string, scimEmailAttribute: string) =>
    (
      await gql<{
        updateDirectoryMapping: { userErrors: unknown[]; mappingConflict: { status: string; summary: string } | null };
      }>(
        `mutation($id: ID!, $sso: String!, $scim: String!) {
           updateDirectoryMapping(directoryId: $id, ssoEmailAttribute: $sso, scimEmailAttribute: $scim) {
             userErrors { code } mappingConflict { status summary } } }`,
        { id: directoryId, sso: ssoEmailAttribute, scim: scimEmailAttribute },
      )
    ).updateDirectoryMapping;
  /** A rescan after each sequence: it opens nothing the per-change paths did not. */
  const rescanOpensNothing = async () => {
    const { detectConflicts } = await gql<{ detectConflicts: { opened: unknown[]; userErrors: unknown[] } }>(
      `mutation { detectConflicts { opened { id kind summary } userErrors { code } } }`,
    );
    expect(detectConflicts).toEqual({ opened: [], userErrors: [] });
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
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('dismissholds')).id;
    await given.domain(organizationId, 'hold.example', { verified: true, claimed: true });
    token = await app.token(organizationId, undefined, 'admin@hold.example');
    const mismatched = await given.directory(organizationId, 'Entra', { sso: 'mail', scim: 'userPrincipalName' });
    directoryId = mismatched.id;
    entra = scimClient(app.url, mismatched.id, mismatched.token);
    const agreeing = await given.directory(organizationId, 'Okta');
    okta = scimClient(app.url, agreeing.id, agreeing.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  describe('MAPPING_MISMATCH', () => {
    const MISMATCH = 'Entra maps the SSO email to mail but the SCIM email to userPrincipalName.';
    let recordId: string;

    it('a SCIM push through the directory does not reopen it, and still carries the R2 finding', async () => {
      const created = await entra.post('/Users', user('e1', 'erin@hold.example', 'erin@hold.example'));
      expect(created.status).toBe(201);
      recordId = created.body.id;
      expect((await dismissOpen('MAPPING_MISMATCH')).summary).toBe(MISMATCH);

      const pushed = await entra.put(`/Users/${recordId}`, user('e1', 'erin@hold.example', 'erin@hold.example'));
      expect(pushed.status).toBe(200);
      const resync = await gql<{ resyncScimRecord: { findings: string[]; userErrors: unknown[] } }>(
        `mutation($id: ID!) { resyncScimRecord(id: $id) { findings userErrors { code } } }`,
        { id: recordId },
      );
      expect(resync.resyncScimRecord).toEqual({ findings: [MISMATCH], userErrors: [] });
      expect(await openOf('MAPPING_MISMATCH')).toEqual([]);

      const { scimRecord, auditEvents } = await gql<{
        scimRecord: { pushHistory: Array<{ operation: string; findings: string[] }> };
        auditEvents: { edges: Array<{ node: { after: { findings?: string[] } } }> };
      }>(
        `query($id: ID!) {
           scimRecord(id: $id) { pushHistory { operation findings } }
           auditEvents(filter: { targetId: $id }) { edges { node { after } } }
         }`,
        { id: recordId },
      );
      expect(scimRecord.pushHistory).toEqual([
        { operation: 'RESYNC', findings: [MISMATCH] },
        { operation: 'REPLACE', findings: [MISMATCH] },
        { operation: 'CREATE', findings: [MISMATCH] },
      ]);
      expect(auditEvents.edges.map((edge) => edge.node.after.findings)).toEqual([[MISMATCH], [MISMATCH], [MISMATCH]]);
      await rescanOpensNothing();
    });

    it('updateDirectoryMapping with the same mismatch does not reopen it', async () => {
      expect(await mapping('mail', 'userPrincipalName')).toEqual({ userErrors: [], mappingConflict: null });
      expect(await openOf('MAPPING_MISMATCH')).toEqual([]);
      await rescanOpensNothing();
    });

    it('renaming the directory does not reopen it: the dismissal is about the two attributes', async () => {
      // No mutation renames a directory yet: the rename as the database would see it.
      await db.dataSource.query(`UPDATE directory SET name = 'Entra ID' WHERE id = $1`, [directoryId]);
      expect((await entra.put(`/Users/${recordId}`, user('e1', 'erin@hold.example', 'erin@hold.example'))).status).toBe(
        200,
      );
      expect(await mapping('mail', 'userPrincipalName')).toEqual({ userErrors: [], mappingConflict: null });
      await rescanOpensNothing();
      expect(await openOf('MAPPING_MISMATCH')).toEqual([]);
    });

    it('a different mismatch opens anew', async () => {
      expect(await mapping('mail', 'emails.work')).toEqual({
        userErrors: [],
        mappingConflict: {
          status: 'OPEN',
          summary: 'Entra ID maps the SSO email to mail but the SCIM email to emails.work.',
        },
      });
      await rescanOpensNothing();
    });

    it('a mapping fixed and then broken the same way again opens anew: its cause went away in between', async () => {
      await dismissOpen('MAPPING_MISMATCH');
      expect(await mapping('mail', 'mail')).toEqual({ userErrors: [], mappingConflict: null });
      expect((await mapping('mail', 'emails.work')).mappingConflict).toMatchObject({ status: 'OPEN' });
      await dismissOpen('MAPPING_MISMATCH');
      // The same through a rescan: fixed (a rescan sees it gone), then broken again.
      await db.dataSource.query(`UPDATE directory SET scim_email_attribute = 'mail' WHERE id = $1`, [directoryId]);
      await rescanOpensNothing();
      await db.dataSource.query(`UPDATE directory SET scim_email_attribute = 'emails.work' WHERE id = $1`, [
        directoryId,
      ]);
      const { detectConflicts } = await gql<{ detectConflicts: { opened: Array<{ kind: string }> } }>(
        `mutation { detectConflicts { opened { kind } } }`,
      );
      expect(detectConflicts.opened).toEqual([{ kind: 'MAPPING_MISMATCH' }]);
      // Newest first: each dismissal stayed as it was, each return of the cause is a conflict of its own.
      expect((await conflictsOf('MAPPING_MISMATCH')).map((c) => c.status)).toEqual([
        'OPEN',
        'DISMISSED',
        'DISMISSED',
        'DISMISSED',
      ]);
    });
  });

  describe('EMAIL_TAKEN', () => {
    let recordId: string;
    const push = (email: string) => okta.put(`/Users/${recordId}`, user('b1', 'bob@hold.example', email));

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      await given.account(organizationId, 'bob.smith@hold.example', { managed: true });
      await given.account(organizationId, 'bob.jones@hold.example', { managed: true });
      const created = await okta.post('/Users', user('b1', 'bob@hold.example', 'bob@hold.example'));
      expect(created.status).toBe(201);
      recordId = created.body.id;
    });

    it('a push of the same email does not reopen it; a resync neither; a push of another taken email does', async () => {
      expect((await push('bob.smith@hold.example')).status).toBe(409);
      expect((await dismissOpen('EMAIL_TAKEN')).email).toBe('bob.smith@hold.example');

      const again = await push('bob.smith@hold.example');
      expect(again.status).toBe(409);
      expect(again.body.detail).toBe('Resource [USER]: with email[bob.smith@hold.example] already exists.');
      const resync = await gql<{
        resyncScimRecord: { userErrors: Array<{ code: string }>; blockingConflict: unknown; scimRecord: unknown };
      }>(
        `mutation($id: ID!) { resyncScimRecord(id: $id) { userErrors { code } blockingConflict { id } scimRecord { syncStatus } } }`,
        { id: recordId },
      );
      expect(resync.resyncScimRecord).toEqual({
        userErrors: [{ code: 'EMAIL_TAKEN' }],
        blockingConflict: null,
        scimRecord: { syncStatus: 'FAILED' },
      });
      expect(await openOf('EMAIL_TAKEN')).toEqual([]);
      await rescanOpensNothing();

      expect((await push('bob.jones@hold.example')).status).toBe(409);
      expect((await openOf('EMAIL_TAKEN')).map((c) => c.email)).toEqual(['bob.jones@hold.example']);
      await rescanOpensNothing();
    });

    it('a push that syncs, then the dismissed email again, opens anew: its cause went away in between', async () => {
      await dismissOpen('EMAIL_TAKEN');
      expect((await push('bob.jones@hold.example')).status).toBe(409);
      expect(await openOf('EMAIL_TAKEN')).toEqual([]);
      expect((await push('bob@hold.example')).status).toBe(200);
      expect((await push('bob.jones@hold.example')).status).toBe(409);
      expect((await openOf('EMAIL_TAKEN')).map((c) => c.email)).toEqual(['bob.jones@hold.example']);
      await rescanOpensNothing();
    });
  });

  describe('UNVERIFIED_DOMAIN', () => {
    it('a push of the same address does not reopen it; one on another unverified domain does', async () => {
      const created = await okta.post('/Users', user('c1', 'carol', 'carol@elsewhere.example'));
      expect(created.status).toBe(201);
      expect((await dismissOpen('UNVERIFIED_DOMAIN')).email).toBe('carol@elsewhere.example');
      const push = (email: string) => okta.put(`/Users/${created.body.id}`, user('c1', 'carol', email));

      expect((await push('carol@elsewhere.example')).status).toBe(200);
      expect(await openOf('UNVERIFIED_DOMAIN')).toEqual([]);
      await rescanOpensNothing();

      expect((await push('carol@other.example')).status).toBe(200);
      expect((await openOf('UNVERIFIED_DOMAIN')).map((c) => c.email)).toEqual(['carol@other.example']);
      await rescanOpensNothing();
    });
  });

  describe('UNMANAGED_ACCOUNT a push waits on', () => {
    it('a push of the same user does not reopen it, and is still answered (PENDING), not a 500', async () => {
      await fixtures(db.dataSource).account(organizationId, 'dan@hold.example');
      const created = await okta.post('/Users', user('d1', 'dan@hold.example', 'dan@hold.example'));
      expect(created.status).toBe(201);
      await dismissOpen('UNMANAGED_ACCOUNT');
      const again = await okta.put(`/Users/${created.body.id}`, user('d1', 'dan@hold.example', 'dan@hold.example'));
      expect(again.status).toBe(200);
      const resync = await gql<{ resyncScimRecord: { userErrors: unknown[]; blockingConflict: unknown } }>(
        `mutation($id: ID!) { resyncScimRecord(id: $id) { userErrors { code } blockingConflict { id } } }`,
        { id: created.body.id },
      );
      expect(resync.resyncScimRecord).toEqual({ userErrors: [], blockingConflict: null });
      expect(await openOf('UNMANAGED_ACCOUNT')).toEqual([]);
      await rescanOpensNothing();
    });
  });
});
