import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';

/** Issue 13's SCIM admin workflows, over HTTP: R2 on every push, finding records and pushes, bulk resync. */
describe('SCIM admin workflows', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dns: TestDnsServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    dns = await startDnsServer();
    app = await startTestServer(db.dataSource, { domainCheck: { dnsServers: [dns.address], timeoutMs: 700 } });
  });
  afterAll(async () => {
    await app.stop();
    await dns.close();
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

  describe('verifyDomain opens its consequences at once', () => {
    it('opens the UNMANAGED_ACCOUNT conflict of every account it makes claimable, naming the record waiting on one; resolves the UNVERIFIED_DOMAIN of records on it; a rescan finds nothing left', async () => {
      const given = fixtures(db.dataSource);
      const organizationId = (await given.organization('claimable')).id;
      const token = await app.token(organizationId, undefined, 'admin@claimable.example');
      const directory = await given.directory(organizationId, 'Okta');
      const eve = await given.account(organizationId, 'eve@claimable.example');
      const fay = await given.account(organizationId, 'fay@claimable.example');
      await given.account(organizationId, 'gus@claimable.example', { managed: true });
      await given.account(organizationId, 'hal@elsewhere.example');
      const added = await app.gql<{ addDomain: { domain: { id: string; verification: { token: string } } } }>(
        `mutation { addDomain(name: "claimable.example") { domain { id verification { token } } } }`,
        undefined,
        { token },
      );
      const domain = added.data!.addDomain.domain;
      // The IdP pushes fay before the domain is verified: the record waits on her unclaimed account.
      const okta = scimClient(app.url, directory.id, directory.token);
      const pushed = await okta.post('/Users', user('fay', 'claimable.example'));
      expect(pushed.status).toBe(201);

      const open = async () =>
        (
          await app.gql<{
            conflicts: {
              edges: Array<{ node: { account: { id: string }; scimRecord: { id: string } | null; summary: string } }>;
            };
          }>(
            `{ conflicts(filter: { kind: UNMANAGED_ACCOUNT, status: OPEN }, first: 50) { edges { node { account { id } scimRecord { id } summary } } } }`,
            undefined,
            { token },
          )
        ).data!.conflicts.edges.map((edge) => edge.node);
      expect((await open()).map((conflict) => conflict.account.id)).toEqual([fay.id]);

      dns.setTxt('claimable.example', [[domain.verification.token]]);
      const verified = await app.gql<{ verifyDomain: { domain: { status: string }; userErrors: unknown[] } }>(
        `mutation($id: ID!) { verifyDomain(id: $id) { domain { status } userErrors { code } } }`,
        { id: domain.id },
        { token },
      );
      expect(verified.data!.verifyDomain).toEqual({ domain: { status: 'VERIFIED' }, userErrors: [] });
      const conflicts = await open();
      expect(conflicts.map((conflict) => conflict.account.id).sort()).toEqual([eve.id, fay.id].sort());
      expect(conflicts.find((conflict) => conflict.account.id === eve.id)).toEqual({
        account: { id: eve.id },
        scimRecord: null,
        summary:
          'eve@claimable.example is on the verified domain claimable.example but not claimed; the identity provider cannot manage it until it is.',
      });
      expect(conflicts.find((conflict) => conflict.account.id === fay.id)!.scimRecord).toEqual({ id: pushed.body.id });

      const rescan = await app.gql<{ detectConflicts: { opened: unknown[]; resolved: unknown[] } }>(
        `mutation { detectConflicts { opened { kind } resolved { kind } } }`,
        undefined,
        { token },
      );
      expect(rescan.data!.detectConflicts).toEqual({ opened: [], resolved: [] });
      const events = await app.gql<{ auditEvents: { edges: Array<{ node: { action: string; targetType: string } }> } }>(
        `{ auditEvents(filter: { action: "verifyDomain" }, first: 50) { edges { node { action targetType } } } }`,
        undefined,
        { token },
      );
      // eve's conflict opened, fay's record's UNVERIFIED_DOMAIN resolved: fay's waiting conflict is left as it was.
      expect(events.data!.auditEvents.edges.filter((edge) => edge.node.targetType === 'Conflict')).toHaveLength(2);
    });
  });
});
