import pino from 'pino';
import { RetryWorker } from '../../src/workflows/retry-worker';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';

interface Event {
  action: string;
  actor: string;
  targetType: string;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

const EVENT = 'action actor targetType targetId before after requestId';

/** The audit trail: what another organization's change leaves in yours, and every state change of every conflict. */
describe('the audit trail', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dns: TestDnsServer;
  const given = () => fixtures(db.dataSource);

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

  /** Oldest first, as it happened. */
  const trail = async (token: string, filter: Record<string, unknown> = {}): Promise<Event[]> => {
    const { data, errors } = await app.gql<{ auditEvents: { edges: Array<{ node: Event }> } }>(
      `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) { edges { node { ${EVENT} } } } }`,
      { filter },
      { token },
    );
    expect(errors).toBeUndefined();
    return data!.auditEvents.edges.map((edge) => edge.node).reverse();
  };

  const mutate = async <T = Record<string, unknown>>(
    token: string,
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const response = await app.gql<Record<string, T>>(`mutation${query}`, variables, { token, headers });
    expect(response.errors).toBeUndefined();
    return Object.values(response.data!)[0];
  };

  /** The one conflict of a kind the organization has, and its trail. */
  const conflictOf = async (token: string, kind: string) => {
    const { data } = await app.gql<{ conflicts: { edges: Array<{ node: { id: string; status: string } }> } }>(
      `query($kind: ConflictKind) { conflicts(filter: { kind: $kind }) { edges { node { id status } } } }`,
      { kind },
      { token },
    );
    expect(data!.conflicts.edges).toHaveLength(1);
    const conflict = data!.conflicts.edges[0].node;
    return { ...conflict, events: await trail(token, { targetId: conflict.id }) };
  };

  const opened = (kind: string, action: string, actor: string) => ({
    action,
    actor,
    targetType: 'Conflict',
    before: null,
    after: { kind, status: 'OPEN' },
  });
  const resolved = (kind: string, action: string, actor: string) => ({
    action,
    actor,
    targetType: 'Conflict',
    before: { kind, status: 'OPEN' },
    after: { kind, status: 'RESOLVED', resolution: action },
  });

  describe('across organizations', () => {
    it("shows another organization's domain verification with a system actor, and not its user or request id", async () => {
      const acme = await given().organization('acme');
      const globex = await given().organization('globex');
      const acmeToken = await app.token(acme.id, undefined, 'admin@acme');
      const globexToken = await app.token(globex.id, undefined, 'admin@globex');
      const add = (token: string) =>
        mutate<{ domain: { id: string; verification: { token: string } } }>(
          token,
          `{ addDomain(name: "contested.example") { domain { id verification { token } } userErrors { code } } }`,
        );
      const verify = (token: string, id: string, requestId: string) =>
        mutate<{ domain: { status: string } }>(
          token,
          `($id: ID!) { verifyDomain(id: $id) { domain { status } userErrors { code } } }`,
          { id },
          { 'x-request-id': requestId },
        );

      const held = (await add(acmeToken)).domain;
      dns.setTxt('contested.example', [[held.verification.token]]);
      expect((await verify(acmeToken, held.id, 'acme-request')).domain.status).toBe('VERIFIED');
      const taken = (await add(globexToken)).domain;
      dns.setTxt('contested.example', [[held.verification.token], [taken.verification.token]]);
      expect((await verify(globexToken, taken.id, 'globex-request')).domain.status).toBe('VERIFIED');

      const acmeTrail = await trail(acmeToken);
      expect(acmeTrail.filter((event) => event.action === 'domainSuperseded')).toEqual([
        {
          action: 'domainSuperseded',
          actor: 'system:domain-verification',
          targetType: 'Domain',
          targetId: held.id,
          before: { name: 'contested.example', status: 'VERIFIED' },
          after: {
            name: 'contested.example',
            status: 'SUPERSEDED',
            reason: 'Another organization verified this domain.',
          },
          requestId: null,
        },
      ]);
      expect(JSON.stringify(acmeTrail)).not.toMatch(/globex/);
      // Globex's own trail still names its admin and its request.
      expect((await trail(globexToken, { targetId: taken.id })).at(-1)).toMatchObject({
        action: 'verifyDomain',
        actor: 'admin@globex',
        requestId: 'globex-request',
      });
    });
  });

  describe('every state change of a conflict', () => {
    let organizationId: string;
    let token: string;
    let directoryId: string;
    let scim: ReturnType<typeof scimClient>;
    const admin = 'admin@conflicts';

    beforeAll(async () => {
      organizationId = (await given().organization('conflicts')).id;
      await given().domain(organizationId, 'acme.example', { verified: true, claimed: true });
      const directory = await given().directory(organizationId, 'Okta');
      directoryId = directory.id;
      scim = scimClient(app.url, directory.id, directory.token);
      token = await app.token(organizationId, undefined, admin);
    });

    const user = (userName: string, email = userName) => ({
      schemas: [SCIM.user],
      externalId: userName,
      userName,
      emails: [{ value: email, type: 'work', primary: true }],
      active: true,
    });

    /** A record the IdP created, then moved to an email another account of the organization holds. */
    const failedRecord = async (local: string) => {
      const created = await scim.post('/Users', user(`${local}@acme.example`));
      expect(created.status).toBe(201);
      const holder = await given().account(organizationId, `${local}.taken@acme.example`, { managed: true });
      const pushed = await scim.put(`/Users/${created.body.id}`, user(`${local}@acme.example`, holder.email));
      expect(pushed.status).toBe(409);
      return { recordId: created.body.id, holderId: holder.id };
    };

    const emailTakenOf = async (recordId: string) => {
      const { data } = await app.gql<{ scimRecord: { conflicts: Array<{ id: string; kind: string }> } }>(
        `query($id: ID!) { scimRecord(id: $id) { conflicts { id kind } } }`,
        { id: recordId },
        { token },
      );
      const [conflict] = data!.scimRecord.conflicts.filter((c) => c.kind === 'EMAIL_TAKEN');
      return { id: conflict.id, events: () => trail(token, { targetId: conflict.id }) };
    };

    it("the article's case: the SCIM push opens EMAIL_TAKEN, the rename and resync resolve it", async () => {
      const { recordId, holderId } = await failedRecord('alice');
      const conflict = await emailTakenOf(recordId);
      expect(await conflict.events()).toMatchObject([opened('EMAIL_TAKEN', 'scim.replaceUser', `scim:${directoryId}`)]);

      await mutate(token, `($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code } } }`, {
        id: holderId,
      });
      const resync = await mutate(
        token,
        `($id: ID!) { resyncScimRecord(id: $id) { userErrors { code } change { targetType targetId } } }`,
        { id: recordId },
        { 'x-request-id': 'resync-1' },
      );
      // The payload's change stays the mutation's own event, not the conflict it resolved.
      expect(resync).toEqual({ userErrors: [], change: { targetType: 'ScimRecord', targetId: recordId } });
      const events = await conflict.events();
      expect(events).toMatchObject([
        opened('EMAIL_TAKEN', 'scim.replaceUser', `scim:${directoryId}`),
        { ...resolved('EMAIL_TAKEN', 'resyncScimRecord', admin), targetId: conflict.id, requestId: 'resync-1' },
      ]);
    });

    it('the retry worker resolves what its resync cleared, as system:retry', async () => {
      const { recordId, holderId } = await failedRecord('bea');
      const conflict = await emailTakenOf(recordId);
      await mutate(token, `($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code } } }`, {
        id: holderId,
      });
      await db.dataSource.query(`UPDATE scim_record SET next_retry_at = now() - interval '1 second' WHERE id = $1`, [
        recordId,
      ]);
      const worker = new RetryWorker(db.dataSource, pino({ level: 'silent' }), { intervalMs: 60_000, batchSize: 10 });
      expect(await worker.runOnce()).toMatchObject({ retried: 1, synced: 1 });
      expect((await conflict.events()).at(-1)).toMatchObject({
        ...resolved('EMAIL_TAKEN', 'resyncScimRecord', 'system:retry'),
        requestId: null,
      });
    });

    it('deleting or unlinking a record resolves its conflicts', async () => {
      const deleted = await failedRecord('cid');
      const unlinked = await failedRecord('dan');
      const [deletedConflict, unlinkedConflict] = [
        await emailTakenOf(deleted.recordId),
        await emailTakenOf(unlinked.recordId),
      ];
      await mutate(token, `($id: ID!) { deleteScimRecord(id: $id) { userErrors { code } } }`, {
        id: deleted.recordId,
      });
      await mutate(token, `($id: ID!) { unlinkScimRecord(id: $id) { userErrors { code } } }`, {
        id: unlinked.recordId,
      });
      expect((await deletedConflict.events()).at(-1)).toMatchObject(resolved('EMAIL_TAKEN', 'deleteScimRecord', admin));
      expect((await unlinkedConflict.events()).at(-1)).toMatchObject(
        resolved('EMAIL_TAKEN', 'unlinkScimRecord', admin),
      );
    });

    it('a mapping change opens MAPPING_MISMATCH, and fixing it resolves it', async () => {
      const created = await mutate<{ directory: { id: string } }>(
        token,
        `{ createDirectory(name: "Entra", provider: ENTRA_ID, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.userprincipalname") { directory { id } userErrors { code } } }`,
      );
      const fixed = await mutate(
        token,
        `($id: ID!) { updateDirectoryMapping(directoryId: $id, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.mail") { userErrors { code } change { targetType } resolvedConflicts { id } } }`,
        { id: created.directory.id },
      );
      expect(fixed).toMatchObject({ userErrors: [], change: { targetType: 'Directory' } });
      const conflict = await conflictOf(token, 'MAPPING_MISMATCH');
      expect(conflict.events).toMatchObject([
        opened('MAPPING_MISMATCH', 'createDirectory', admin),
        resolved('MAPPING_MISMATCH', 'updateDirectoryMapping', admin),
      ]);
    });

    it('the rescan opens and resolves, and a claim resolves UNMANAGED_ACCOUNT', async () => {
      const erin = await given().account(organizationId, 'erin@acme.example');
      const frank = await given().account(organizationId, 'frank@acme.example');
      const rescan = () =>
        mutate<{ openedCount: number; resolvedCount: number; change: { targetType: string } }>(
          token,
          `{ detectConflicts { openedCount resolvedCount change { targetType } userErrors { code } } }`,
        );
      expect(await rescan()).toMatchObject({ openedCount: 2, change: { targetType: 'Organization' } });

      const claim = await mutate(
        token,
        `($id: ID!) { claimAccount(accountId: $id) { userErrors { code } change { targetType } } }`,
        { id: erin.id },
      );
      expect(claim).toEqual({ userErrors: [], change: { targetType: 'Account' } });
      // Frank's cause goes away behind the API's back: only the rescan notices.
      await db.dataSource.query(`UPDATE account SET managed = true WHERE id = $1`, [frank.id]);
      expect(await rescan()).toMatchObject({ openedCount: 0, resolvedCount: 1 });

      const eventsOf = async (accountId: string) => {
        const { data } = await app.gql<{ account: { conflicts: Array<{ id: string }> } }>(
          `query($id: ID!) { account(id: $id) { conflicts { id } } }`,
          { id: accountId },
          { token },
        );
        expect(data!.account.conflicts).toHaveLength(1);
        return trail(token, { targetId: data!.account.conflicts[0].id });
      };
      expect(await eventsOf(erin.id)).toMatchObject([
        opened('UNMANAGED_ACCOUNT', 'detectConflicts', admin),
        resolved('UNMANAGED_ACCOUNT', 'claimAccount', admin),
      ]);
      expect(await eventsOf(frank.id)).toMatchObject([
        opened('UNMANAGED_ACCOUNT', 'detectConflicts', admin),
        resolved('UNMANAGED_ACCOUNT', 'detectConflicts', admin),
      ]);
    });

    it('a domain migration opens STALE_EXTERNAL_ACCOUNT, and suspending the account resolves it', async () => {
      await given().domain(organizationId, 'old.example', { verified: true, claimed: true });
      await given().domain(organizationId, 'new.example', { verified: true, claimed: true });
      const stale = await given().account(organizationId, 'gus@old.example', { managed: true });
      const started = await mutate(
        token,
        `{ startDomainMigration(fromDomain: "old.example", toDomain: "new.example") { userErrors { code } change { targetType } staleAccounts { id } } }`,
      );
      expect(started).toEqual({
        userErrors: [],
        change: { targetType: 'DomainMigration' },
        staleAccounts: [{ id: stale.id }],
      });
      await mutate(token, `($id: ID!) { suspendAccount(id: $id, reason: "Left") { userErrors { code } } }`, {
        id: stale.id,
      });
      const conflict = await conflictOf(token, 'STALE_EXTERNAL_ACCOUNT');
      expect(conflict.events).toMatchObject([
        opened('STALE_EXTERNAL_ACCOUNT', 'startDomainMigration', admin),
        resolved('STALE_EXTERNAL_ACCOUNT', 'suspendAccount', admin),
      ]);
    });

    it('dismissing writes the kind, the status and the reason', async () => {
      const hal = await given().account(organizationId, 'hal@acme.example');
      await mutate(token, `{ detectConflicts { userErrors { code } } }`);
      const { data } = await app.gql<{ account: { conflicts: Array<{ id: string }> } }>(
        `query($id: ID!) { account(id: $id) { conflicts { id } } }`,
        { id: hal.id },
        { token },
      );
      const [{ id }] = data!.account.conflicts;
      await mutate(token, `($id: ID!) { dismissConflict(id: $id, reason: "Contractor") { userErrors { code } } }`, {
        id,
      });
      expect((await trail(token, { targetId: id })).at(-1)).toMatchObject({
        action: 'dismissConflict',
        before: { kind: 'UNMANAGED_ACCOUNT', status: 'OPEN' },
        after: { kind: 'UNMANAGED_ACCOUNT', status: 'DISMISSED', resolution: 'dismissConflict', reason: 'Contractor' },
      });
    });
  });
});
