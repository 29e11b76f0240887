import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';

/** Issue 13's SCIM admin workflows, over HTTP: R2 on every push, finding records and pushes, bulk resync. */
describe('SCIM admin workflows', () => {
  let db: TestDatabase;
  let app: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const user = (name: string, domain: string, extra: Record<string, unknown> = {}) => ({
    schemas: [SCIM.user],
    externalId: `ext-${name}`,
    userName: `${name}@${domain}`,
    emails: [{ primary: true, value: `${name}@${domain}`, type: 'work' }],
    active: true,
    ...extra,
  });

  describe('rule R2 on every push', () => {
    const MISMATCH = 'Entra maps the SSO email to user.mail but the SCIM email to user.userprincipalname.';
    let token: string;
    let recordId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      const organizationId = (await given.organization('r2push')).id;
      await given.domain(organizationId, 'r2.example', { verified: true, claimed: true });
      const directory = await given.directory(organizationId, 'Entra', {
        sso: 'user.mail',
        scim: 'user.userprincipalname',
      });
      token = await app.token(organizationId, undefined, 'admin@r2.example');
      const entra = scimClient(app.url, directory.id, directory.token);
      const created = await entra.post('/Users', user('dana', 'r2.example'));
      expect(created.status).toBe(201);
      recordId = created.body.id;
    });

    it("flags the push in the record's push history and in its audit event", async () => {
      const { data } = await app.gql<{
        scimRecord: {
          pushHistory: Array<{ operation: string; outcome: string; httpStatus: number; findings: string[] }>;
        };
        auditEvents: { edges: Array<{ node: { action: string; after: { findings?: string[] } } }> };
      }>(
        `query($id: ID!) {
           scimRecord(id: $id) { pushHistory { operation outcome httpStatus findings } }
           auditEvents(filter: { targetId: $id }) { edges { node { action after } } }
         }`,
        { id: recordId },
        { token },
      );
      expect(data!.scimRecord.pushHistory).toEqual([
        { operation: 'CREATE', outcome: 'APPLIED', httpStatus: 201, findings: [MISMATCH] },
      ]);
      expect(data!.auditEvents.edges.map((edge) => edge.node.after.findings)).toEqual([[MISMATCH]]);
    });

    it('flags a resync as well', async () => {
      const { data } = await app.gql<{ resyncScimRecord: { findings: string[]; userErrors: unknown[] } }>(
        `mutation($id: ID!) { resyncScimRecord(id: $id) { findings userErrors { code } } }`,
        { id: recordId },
        { token },
      );
      expect(data!.resyncScimRecord).toEqual({ findings: [MISMATCH], userErrors: [] });
      const history = await app.gql<{ scimRecord: { pushHistory: Array<{ operation: string; findings: string[] }> } }>(
        `query($id: ID!) { scimRecord(id: $id) { pushHistory { operation findings } } }`,
        { id: recordId },
        { token },
      );
      expect(history.data!.scimRecord.pushHistory).toEqual([
        { operation: 'RESYNC', findings: [MISMATCH] },
        { operation: 'CREATE', findings: [MISMATCH] },
      ]);
    });
  });
});
