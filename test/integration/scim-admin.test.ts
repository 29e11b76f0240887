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
      // eve's conflict opened, fay's record's UNVERIFIED_DOMAIN resolved, hal's STALE_EXTERNAL_ACCOUNT
      // opened (rule R5: active, unbacked, on a domain the organization does not assert; a domain's
      // status change reconciles the organization's R5 findings, and hal was inserted, never
      // rescanned), and fay's resolved (the push that waits on her opened it: active, no record linked
      // to her, on a domain not verified yet): fay's waiting conflict is left as it was.
      expect(events.data!.auditEvents.edges.filter((edge) => edge.node.targetType === 'Conflict')).toHaveLength(4);
    });
  });

  describe('finding records and pushes', () => {
    let token: string;
    let okta: ReturnType<typeof scimClient>;
    let entraId: string;
    const ids: Record<string, string> = {};

    type Record_ = { userName: string; waitingFor: string | null; unlinkedAt: string | null };
    const records = async (filter: Record<string, unknown>) =>
      (
        await app.gql<{ scimRecords: { edges: Array<{ node: Record_ }> } }>(
          `query($filter: ScimRecordFilter) { scimRecords(filter: $filter, first: 50) { edges { node { userName waitingFor unlinkedAt } } } }`,
          { filter },
          { token },
        )
      ).data!.scimRecords.edges.map((edge) => edge.node);

    type Push = {
      operation: string;
      outcome: string;
      httpStatus: number | null;
      detail: string | null;
      receivedAt: string;
      directory: { name: string };
      scimRecord: { userName: string } | null;
    };
    const pushes = async (filter: Record<string, unknown>, page: { first?: number; after?: string } = {}) =>
      (
        await app.gql<{
          scimPushes: { edges: Array<{ node: Push }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
        }>(
          `query($filter: ScimPushFilter, $first: Int, $after: String) {
             scimPushes(filter: $filter, first: $first, after: $after) {
               edges { node { operation outcome httpStatus detail receivedAt directory { name } scimRecord { userName } } }
               pageInfo { hasNextPage endCursor } } }`,
          { filter, ...page },
          { token },
        )
      ).data!.scimPushes;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      const organizationId = (await given.organization('findlog')).id;
      await given.domain(organizationId, 'log.example', { verified: true, claimed: true });
      token = await app.token(organizationId, undefined, 'admin@log.example');
      const oktaDirectory = await given.directory(organizationId, 'Okta');
      const entra = await given.directory(organizationId, 'Entra');
      entraId = entra.id;
      okta = scimClient(app.url, oktaDirectory.id, oktaDirectory.token);
      await given.account(organizationId, 'ivy@log.example');
      await given.account(organizationId, 'taken@log.example', { managed: true });
      const push = async (client: ReturnType<typeof scimClient>, name: string, email?: string) => {
        const body = user(name, 'log.example', email ? { emails: [{ primary: true, value: email }] } : {});
        const response = await client.post('/Users', body);
        ids[name] = response.body.id;
        return response.status;
      };
      expect(await push(okta, 'ivy')).toBe(201); // waits for ivy's account to be claimed
      expect(await push(okta, 'jon')).toBe(201);
      expect(await push(scimClient(app.url, entra.id, entra.token), 'kim')).toBe(201);
      expect(await push(okta, 'max', 'taken@log.example')).toBe(201); // linked to the managed holder
      expect(await push(okta, 'nat', 'taken@log.example')).toBe(409); // the holder already has a record in Okta
      const unlinked = await app.gql<{ unlinkScimRecord: { userErrors: unknown[] } }>(
        `mutation($id: ID!) { unlinkScimRecord(id: $id) { userErrors { code } } }`,
        { id: ids.jon },
        { token },
      );
      expect(unlinked.data!.unlinkScimRecord.userErrors).toEqual([]);
    });

    it('scimRecords(filter: { linked }) and waitingFor tell a record waiting for a claim from one an admin unlinked', async () => {
      const unlinked = await records({ linked: false });
      expect(unlinked.map((record) => [record.userName, record.waitingFor]).sort()).toEqual([
        ['ivy@log.example', 'CLAIM'],
        ['jon@log.example', 'LINK'],
        ['nat@log.example', 'RETRY'],
      ]);
      expect(unlinked.find((record) => record.waitingFor === 'LINK')!.unlinkedAt).not.toBeNull();
      expect(unlinked.find((record) => record.waitingFor === 'CLAIM')!.unlinkedAt).toBeNull();
      expect((await records({ linked: true })).map((record) => [record.userName, record.waitingFor]).sort()).toEqual([
        ['kim@log.example', null],
        ['max@log.example', null],
      ]);
      expect((await records({ waitingFor: 'CLAIM' })).map((record) => record.userName)).toEqual(['ivy@log.example']);
      expect((await records({ waitingFor: 'LINK' })).map((record) => record.userName)).toEqual(['jon@log.example']);
      expect(await records({ waitingFor: 'RESYNC' })).toEqual([]);
    });

    it('scimRecords: a record an admin links again waits for its resync, and no longer for a link', async () => {
      const account = await app.gql<{ accountByEmail: { id: string } }>(
        `{ accountByEmail(email: "jon@log.example") { id } }`,
        undefined,
        { token },
      );
      const linked = await app.gql<{ linkScimRecord: { scimRecord: Record_; userErrors: unknown[] } }>(
        `mutation($id: ID!, $accountId: ID!) { linkScimRecord(id: $id, accountId: $accountId) {
           scimRecord { userName waitingFor unlinkedAt } userErrors { code } } }`,
        { id: ids.jon, accountId: account.data!.accountByEmail.id },
        { token },
      );
      expect(linked.data!.linkScimRecord).toEqual({
        scimRecord: { userName: 'jon@log.example', waitingFor: 'RESYNC', unlinkedAt: null },
        userErrors: [],
      });
    });

    it('scimPushes: the organization-wide log, newest first, with directory, record, outcome, status, detail and time', async () => {
      const all = await pushes({});
      expect(
        all.edges.map(({ node }) => [node.scimRecord?.userName, node.directory.name, node.outcome, node.httpStatus]),
      ).toEqual([
        ['nat@log.example', 'Okta', 'CONFLICT', 409],
        ['max@log.example', 'Okta', 'APPLIED', 201],
        ['kim@log.example', 'Entra', 'APPLIED', 201],
        ['jon@log.example', 'Okta', 'APPLIED', 201],
        ['ivy@log.example', 'Okta', 'PENDING', 201],
      ]);
      expect(all.edges[0].node).toMatchObject({
        operation: 'CREATE',
        detail: 'Resource [USER]: with email[taken@log.example] already exists.',
      });
      expect(Number.isNaN(Date.parse(all.edges[0].node.receivedAt))).toBe(false);
    });

    it('scimPushes filters by directory, outcome, status and time, and pages by keyset', async () => {
      const names = (page: Awaited<ReturnType<typeof pushes>>) =>
        page.edges.map(({ node }) => node.scimRecord?.userName);
      expect(names(await pushes({ directoryId: entraId }))).toEqual(['kim@log.example']);
      expect(names(await pushes({ outcome: 'PENDING' }))).toEqual(['ivy@log.example']);
      expect(names(await pushes({ status: 409 }))).toEqual(['nat@log.example']);
      expect(names(await pushes({ outcome: 'APPLIED', directoryId: entraId, status: 201 }))).toEqual([
        'kim@log.example',
      ]);
      expect(names(await pushes({ since: new Date(Date.now() + 60_000).toISOString() }))).toEqual([]);
      expect(names(await pushes({ directoryId: 'not-a-uuid' }))).toEqual([]);

      const first = await pushes({ directoryId: null }, { first: 2 });
      expect(names(first)).toEqual(['nat@log.example', 'max@log.example']);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = await pushes({}, { first: 2, after: first.pageInfo.endCursor });
      expect(names(second)).toEqual(['kim@log.example', 'jon@log.example']);
    });

    it('scimPushes is tenant scoped: another organization sees none of these', async () => {
      const other = await app.token((await fixtures(db.dataSource).organization('findlog-other')).id);
      const { data } = await app.gql<{ scimPushes: { edges: unknown[] } }>(
        `{ scimPushes { edges { node { id } } } }`,
        undefined,
        {
          token: other,
        },
      );
      expect(data!.scimPushes.edges).toEqual([]);
    });
  });

  describe('bulk resyncScimRecords', () => {
    let token: string;
    const ids: Record<string, string> = {};

    type Result = {
      scimRecord: { userName: string; syncStatus: string; attempts: number };
      account: { email: string } | null;
      blockingConflict: { kind: string } | null;
      findings: string[];
      userErrors: Array<{ code: string; field: string }>;
    };
    type Payload = {
      results: Result[];
      syncedCount: number;
      pendingCount: number;
      failedCount: number;
      userErrors: Array<{ code: string; field: string }>;
      dryRun: boolean;
      replayed: boolean;
      change: { action: string; targetType: string } | null;
    };
    const resync = async (variables: { ids: string[]; dryRun?: boolean; idempotencyKey?: string }) =>
      (
        await app.gql<{ resyncScimRecords: Payload }>(
          `mutation($ids: [ID!]!, $dryRun: Boolean, $idempotencyKey: String) {
             resyncScimRecords(ids: $ids, dryRun: $dryRun, idempotencyKey: $idempotencyKey) {
               results { scimRecord { userName syncStatus attempts } account { email } blockingConflict { kind } findings userErrors { code field } }
               syncedCount pendingCount failedCount userErrors { code field } dryRun replayed change { action targetType } } }`,
          variables,
          { token },
        )
      ).data!.resyncScimRecords;
    const history = async (id: string) =>
      (
        await app.gql<{ scimRecord: { attempts: number; pushHistory: Array<{ operation: string }> } }>(
          `query($id: ID!) { scimRecord(id: $id) { attempts pushHistory { operation } } }`,
          { id },
          { token },
        )
      ).data!.scimRecord;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      const organizationId = (await given.organization('bulkresync')).id;
      await given.domain(organizationId, 'bulk.example', { verified: true, claimed: true });
      token = await app.token(organizationId, undefined, 'admin@bulk.example');
      const directory = await given.directory(organizationId, 'Okta');
      const okta = scimClient(app.url, directory.id, directory.token);
      await given.account(organizationId, 'pat@bulk.example');
      await given.account(organizationId, 'rob.new@bulk.example', { managed: true });
      for (const name of ['pat', 'quinn', 'rob']) {
        const created = await okta.post('/Users', user(name, 'bulk.example'));
        expect(created.status).toBe(201);
        ids[name] = created.body.id;
      }
      // The IdP renames rob onto an address another account owns: 409, FAILED.
      const renamed = await okta.put(
        `/Users/${ids.rob}`,
        user('rob', 'bulk.example', { emails: [{ primary: true, value: 'rob.new@bulk.example' }] }),
      );
      expect(renamed.status).toBe(409);
    });

    it('refuses the whole call when an id is unknown or listed twice, every problem listed, nothing done', async () => {
      expect(await resync({ ids: [] })).toMatchObject({
        results: [],
        userErrors: [{ code: 'INVALID_INPUT', field: 'ids' }],
      });
      const before = await history(ids.quinn);
      const refused = await resync({ ids: [ids.quinn, '00000000-0000-4000-8000-000000000000', ids.quinn, 'nope'] });
      expect(refused).toMatchObject({
        results: [],
        syncedCount: 0,
        userErrors: [
          { code: 'NOT_FOUND', field: 'ids.1' },
          { code: 'INVALID_INPUT', field: 'ids.2' },
          { code: 'NOT_FOUND', field: 'ids.3' },
        ],
        change: null,
      });
      expect(await history(ids.quinn)).toEqual(before);
    });

    it('a dry run answers every outcome and writes nothing', async () => {
      const before = await history(ids.rob);
      const dry = await resync({ ids: [ids.rob, ids.pat, ids.quinn], dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, syncedCount: 1, pendingCount: 1, failedCount: 1, userErrors: [] });
      expect(await history(ids.rob)).toEqual(before);
    });

    it('resyncs each record with its own outcome, push history entry and audit event; a repeat with the key replays', async () => {
      const before = await history(ids.rob);
      const key = 'bulk-resync-1';
      const applied = await resync({ ids: [ids.rob, ids.pat, ids.quinn], idempotencyKey: key });
      expect(applied).toEqual({
        results: [
          {
            scimRecord: { userName: 'rob@bulk.example', syncStatus: 'FAILED', attempts: before.attempts + 1 },
            account: null,
            blockingConflict: { kind: 'EMAIL_TAKEN' },
            findings: [],
            userErrors: [{ code: 'EMAIL_TAKEN', field: 'email' }],
          },
          {
            scimRecord: { userName: 'pat@bulk.example', syncStatus: 'PENDING', attempts: 0 },
            account: null,
            blockingConflict: { kind: 'UNMANAGED_ACCOUNT' },
            findings: [],
            userErrors: [],
          },
          {
            scimRecord: { userName: 'quinn@bulk.example', syncStatus: 'SYNCED', attempts: 0 },
            account: { email: 'quinn@bulk.example' },
            blockingConflict: null,
            findings: [],
            userErrors: [],
          },
        ],
        syncedCount: 1,
        pendingCount: 1,
        failedCount: 1,
        userErrors: [],
        dryRun: false,
        replayed: false,
        change: { action: 'resyncScimRecords', targetType: 'ScimRecord' },
      });
      for (const name of ['rob', 'pat', 'quinn']) {
        expect((await history(ids[name])).pushHistory[0]).toEqual({ operation: 'RESYNC' });
      }
      const events = await app.gql<{ auditEvents: { edges: Array<{ node: { targetId: string } }> } }>(
        `{ auditEvents(filter: { action: "resyncScimRecords" }, first: 10) { edges { node { targetId } } } }`,
        undefined,
        { token },
      );
      expect(events.data!.auditEvents.edges.map((edge) => edge.node.targetId).sort()).toEqual(
        [ids.rob, ids.pat, ids.quinn].sort(),
      );

      const replayed = await resync({ ids: [ids.rob, ids.pat, ids.quinn], idempotencyKey: key });
      expect(replayed).toEqual({ ...applied, replayed: true });
      expect((await history(ids.rob)).attempts).toBe(before.attempts + 1);
    });
  });
});
