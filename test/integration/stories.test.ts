import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';
import { followRemediation } from '../support/remediation';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';
import {
  receiver,
  registerWebhook,
  startReadmeConsumer,
  untilDue,
  webhookDeliveries,
  webhookWorker,
  type EventBody,
  type Received,
} from '../support/webhooks';

type Trail = Array<{
  action: string;
  actor: string;
  targetType: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}>;

describe('the stories of the design, end to end over HTTP', () => {
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

  const trail = async (token: string, filter: Record<string, unknown>) => {
    const { data } = await app.gql<{ auditEvents: { edges: Array<{ node: Trail[number] }> } }>(
      `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) { edges { node { action actor targetType before after } } } }`,
      { filter },
      { token },
    );
    return data!.auditEvents.edges.map((edge) => edge.node).reverse();
  };

  describe("story 1: the article's case", () => {
    let organizationId: string;
    let token: string;
    let recordId: string;
    let aliceId: string;
    let aliceSmithId: string;
    let directoryId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story1')).id;
      await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
      directoryId = (await given.directory(organizationId, 'Okta')).id;
      token = await app.token(organizationId, undefined, 'admin@acme.com');
      const idp = identityProvider(db.dataSource, organizationId, directoryId);

      // Directory D provisions alice@acme.com (record R).
      const created = await idp.create({
        externalId: '00u1',
        userName: 'alice@acme.com',
        givenName: 'Alice',
        familyName: 'Smith',
      });
      expect(created).toMatchObject({ kind: 'synced', status: 201 });
      recordId = created.kind === 'synced' ? created.record.id : '';
      aliceId = created.kind === 'synced' ? created.record.accountId! : '';
      // A self-signed-up account already owns alice.smith@acme.com.
      aliceSmithId = (await given.account(organizationId, 'alice.smith@acme.com')).id;
    });

    it("answers the IdP's email change with 409, FAILED and an EMAIL_TAKEN conflict naming both accounts", async () => {
      const idp = identityProvider(db.dataSource, organizationId, directoryId);
      const pushed = await idp.replace(recordId, {
        externalId: '00u1',
        userName: 'alice@acme.com',
        email: 'alice.smith@acme.com',
        givenName: 'Alice',
        familyName: 'Smith',
      });
      expect(pushed).toMatchObject({ kind: 'failed', status: 409 });
      expect(pushed.kind === 'failed' && pushed.sync.error.message).toBe(
        'Resource [USER]: with email[alice.smith@acme.com] already exists.',
      );

      const { data } = await app.gql<{ scimRecord: Record<string, unknown> }>(
        `query($id: ID!) { scimRecord(id: $id) {
            syncStatus lastError attempts nextRetryAt
            conflicts(status: OPEN) { kind email account { email } conflictingAccount { email origin }
              remediation { position action automated arguments done } }
        } }`,
        { id: recordId },
        { token },
      );
      expect(data!.scimRecord).toMatchObject({
        syncStatus: 'FAILED',
        lastError: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
        attempts: 1,
        conflicts: [
          {
            kind: 'EMAIL_TAKEN',
            email: 'alice.smith@acme.com',
            account: { email: 'alice@acme.com' },
            conflictingAccount: { email: 'alice.smith@acme.com', origin: 'SELF_SIGNUP' },
            remediation: [
              {
                position: 1,
                action: 'renameAccountEmail',
                automated: true,
                arguments: { accountId: aliceSmithId },
                done: false,
              },
              { position: 2, action: 'resyncScimRecord', automated: true, arguments: { id: recordId }, done: false },
            ],
          },
        ],
      });
      expect(Date.parse(data!.scimRecord.nextRetryAt as string)).toBeGreaterThan(Date.now());
    });

    it('is fixed by a script that follows only the remediation steps the API returns', async () => {
      const { data } = await app.gql<{ conflicts: { edges: Array<{ node: { id: string } }> } }>(
        `{ conflicts(filter: { kind: EMAIL_TAKEN, status: OPEN }) { edges { node { id } } } }`,
        undefined,
        { token },
      );
      const conflictId = data!.conflicts.edges[0].node.id;
      expect(await followRemediation(app, token, conflictId)).toEqual(['renameAccountEmail', 'resyncScimRecord']);

      const after = await app.gql<Record<string, Record<string, unknown>>>(
        `query($conflict: ID!, $record: ID!, $holder: ID!) {
          conflict(id: $conflict) { status resolution actionsTaken closedBy remediation { action } }
          scimRecord(id: $record) { syncStatus attempts lastError nextRetryAt account { email emailHistory { previousEmail newEmail action actor } } }
          holder: account(id: $holder) { email emailHistory { previousEmail newEmail action actor } }
        }`,
        { conflict: conflictId, record: recordId, holder: aliceSmithId },
        { token },
      );
      expect(after.data).toEqual({
        conflict: {
          status: 'RESOLVED',
          resolution: 'resyncScimRecord',
          actionsTaken: ['renameAccountEmail', 'resyncScimRecord'],
          closedBy: 'admin@acme.com',
          remediation: [],
        },
        scimRecord: {
          syncStatus: 'SYNCED',
          attempts: 0,
          lastError: null,
          nextRetryAt: null,
          account: {
            email: 'alice.smith@acme.com',
            emailHistory: [
              {
                previousEmail: 'alice@acme.com',
                newEmail: 'alice.smith@acme.com',
                action: 'resyncScimRecord',
                actor: 'admin@acme.com',
              },
            ],
          },
        },
        holder: {
          email: 'alice.smith+duplicated@acme.com',
          emailHistory: [
            {
              previousEmail: 'alice.smith@acme.com',
              newEmail: 'alice.smith+duplicated@acme.com',
              action: 'renameAccountEmail',
              actor: 'admin@acme.com',
            },
          ],
        },
      });
    });

    it('leaves an audit trail of every step, in order', async () => {
      const events = await trail(token, {});
      expect(events.map((event) => [event.action, event.actor, event.targetType])).toEqual([
        ['scim.createUser', `scim:${directoryId}`, 'ScimRecord'],
        ['scim.replaceUser', `scim:${directoryId}`, 'Conflict'],
        ['scim.replaceUser', `scim:${directoryId}`, 'ScimRecord'],
        // The placeholder is an unclaimed account on the verified acme.com: rule R3 opens its UNMANAGED_ACCOUNT.
        ['renameAccountEmail', 'admin@acme.com', 'Conflict'],
        ['renameAccountEmail', 'admin@acme.com', 'Account'],
        ['resyncScimRecord', 'admin@acme.com', 'Conflict'],
        ['resyncScimRecord', 'admin@acme.com', 'ScimRecord'],
      ]);
      expect(events[1]).toMatchObject({ before: null, after: { kind: 'EMAIL_TAKEN', status: 'OPEN' } });
      expect(events[3]).toMatchObject({ before: null, after: { kind: 'UNMANAGED_ACCOUNT', status: 'OPEN' } });
      expect(events[4]).toMatchObject({
        before: { email: 'alice.smith@acme.com' },
        after: { email: 'alice.smith+duplicated@acme.com' },
      });
      expect(events[5]).toMatchObject({
        before: { kind: 'EMAIL_TAKEN', status: 'OPEN' },
        after: { kind: 'EMAIL_TAKEN', status: 'RESOLVED', resolution: 'resyncScimRecord' },
      });
      expect(events[6]).toMatchObject({
        before: { syncStatus: 'FAILED' },
        after: { syncStatus: 'SYNCED', accountId: aliceId },
      });
    });
  });

  describe('story 1 as an automation script follows it: webhooks, then the remediation', () => {
    /** The conflict as the conflict.opened and conflict.resolved events carry it. */
    type ConflictEvent = EventBody & {
      actor: string;
      data: {
        before: { status: string } | null;
        after: { status: string };
        conflict: { id: string; kind: string; status: string; email: string; summary: string };
      };
    };
    const retryBaseMs = 200;
    let organizationId: string;
    let token: string;
    let okta: ScimClient;
    let hook: { id: string; secret: string };
    let flaky: Awaited<ReturnType<typeof receiver>>;
    let readme: Awaited<ReturnType<typeof startReadmeConsumer>>;
    let worker: ReturnType<typeof webhookWorker>;
    let recordId: string;
    let aliceSmithId: string;
    let conflictId: string;

    const alice = (email: string) => ({
      schemas: [SCIM.user],
      externalId: '00u1alice',
      userName: 'alice@acme.org',
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ primary: true, value: email, type: 'work' }],
      active: true,
    });
    const event = (request: Received) => JSON.parse(request.body) as ConflictEvent;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story1-hooks')).id;
      await given.domain(organizationId, 'acme.org', { verified: true, claimed: true });
      const directory = await given.directory(organizationId, 'Okta');
      okta = scimClient(app.url, directory.id, directory.token);
      // The automation script's token; the webhook worker runs when the test says (runOnce).
      token = await app.token(organizationId, undefined, 'automation@acme.org');
      worker = webhookWorker(db.dataSource, { retryBaseMs });
      // The script's receiver is down at first: its first answer is a 500.
      flaky = await receiver([500]);
    });
    afterAll(async () => {
      await flaky.close();
      await readme.close();
    });

    it('registers a webhook for conflicts and keeps the secret it is given once', async () => {
      const registered = await registerWebhook(app, token, flaky.url, ['CONFLICT_OPENED', 'CONFLICT_RESOLVED']);
      expect(registered).toMatchObject({
        userErrors: [],
        webhook: { url: flaky.url, createdBy: 'automation@acme.org' },
      });
      expect(registered.secret).toMatch(/^whsec_/);
      hook = { id: registered.webhook!.id, secret: registered.secret! };
      readme = await startReadmeConsumer(hook.secret);
      const { data } = await app.gql(`{ webhooks { id events } }`, undefined, { token });
      expect(JSON.stringify(data)).not.toContain(hook.secret);
    });

    it("gets a signed conflict.opened for the IdP's 409, retried after its receiver answered 500", async () => {
      const created = await okta.post('/Users', alice('alice@acme.org'));
      expect(created.status).toBe(201);
      recordId = created.body.id;
      aliceSmithId = (await fixtures(db.dataSource).account(organizationId, 'alice.smith@acme.org')).id;
      const pushed = await okta.put(`/Users/${recordId}`, alice('alice.smith@acme.org'));
      expect(pushed.status).toBe(409);
      expect(pushed.body).toMatchObject({
        scimType: 'uniqueness',
        detail: 'Resource [USER]: with email[alice.smith@acme.org] already exists.',
      });

      // The first attempt meets the 500: the delivery stays PENDING, due again after the backoff.
      expect(await worker.runOnce()).toMatchObject({ attempted: 1, delivered: 0 });
      const [failed] = await webhookDeliveries(app, token, { webhookId: hook.id });
      expect(failed).toMatchObject({
        eventType: 'CONFLICT_OPENED',
        status: 'PENDING',
        attempts: 1,
        lastStatusCode: 500,
        lastError: 'The receiver answered HTTP 500.',
      });
      expect(Date.parse(failed.nextAttemptAt!) - Date.parse(failed.attemptLog[0].at)).toBe(retryBaseMs);
      await untilDue(failed);
      expect(await worker.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });

      const [delivered] = await webhookDeliveries(app, token, { webhookId: hook.id });
      expect(delivered).toMatchObject({ id: failed.id, status: 'DELIVERED', attempts: 2, lastStatusCode: 200 });
      expect(delivered.attemptLog.map((attempt) => [attempt.statusCode, attempt.error])).toEqual([
        [500, 'The receiver answered HTTP 500.'],
        [200, null],
      ]);

      // Both attempts carry the same event, signed; README's consumer accepts each (204), prints
      // the conflict once (it drops the repeat by id) and refuses a body or secret not the worker's.
      expect(flaky.received).toHaveLength(2);
      for (const request of flaky.received) {
        expect(request.headers).toMatchObject({
          'x-webhook-event': 'conflict.opened',
          'x-webhook-id': failed.eventId,
          'x-webhook-signature': expect.stringMatching(/^v1=[0-9a-f]{64}$/),
          'x-webhook-timestamp': expect.stringMatching(/^\d+$/),
        });
        expect(await readme.replay(request)).toBe(204);
      }
      const [first] = flaky.received;
      expect(await readme.replay({ ...first, body: first.body.replace('EMAIL_TAKEN', 'MAPPING_MISMATCH') })).toBe(401);
      const other = await startReadmeConsumer('whsec_not-the-one-registerWebhook-returned');
      try {
        expect(await other.replay(first)).toBe(401);
      } finally {
        await other.close();
      }

      const opened = event(first);
      expect(opened).toMatchObject({
        id: failed.eventId,
        type: 'conflict.opened',
        actor: expect.stringMatching(/^scim:/),
        data: {
          target: { type: 'Conflict' },
          before: null,
          after: { kind: 'EMAIL_TAKEN', status: 'OPEN' },
          conflict: {
            kind: 'EMAIL_TAKEN',
            status: 'OPEN',
            email: 'alice.smith@acme.org',
            summary:
              'Okta wants the account of alice@acme.org to have alice.smith@acme.org, which the account alice.smith@acme.org already owns.',
            scimRecordId: recordId,
            conflictingAccountId: aliceSmithId,
          },
        },
      });
      expect(readme.printed).toEqual([`EMAIL_TAKEN: ${opened.data.conflict.summary}`]);
      conflictId = opened.data.conflict.id;
    });

    it('follows the remediation of the conflict the event names, and gets conflict.resolved', async () => {
      expect(await followRemediation(app, token, conflictId)).toEqual(['renameAccountEmail', 'resyncScimRecord']);
      // Two events: the rename's placeholder is an unclaimed account on the verified acme.org (rule
      // R3 opens its UNMANAGED_ACCOUNT), and the resync resolves the EMAIL_TAKEN.
      expect(await worker.runOnce()).toMatchObject({ attempted: 2, delivered: 2 });
      const sent = flaky.received.slice(2);
      // Delivered side by side: in either order.
      expect(sent.map((request) => request.headers['x-webhook-event']).sort()).toEqual([
        'conflict.opened',
        'conflict.resolved',
      ]);
      const resolved = sent.find((request) => request.headers['x-webhook-event'] === 'conflict.resolved')!;
      expect(await readme.replay(resolved)).toBe(204);
      expect(event(resolved)).toMatchObject({
        type: 'conflict.resolved',
        actor: 'automation@acme.org',
        action: 'resyncScimRecord',
        data: {
          before: { status: 'OPEN' },
          after: { status: 'RESOLVED', resolution: 'resyncScimRecord' },
          conflict: { id: conflictId, kind: 'EMAIL_TAKEN', status: 'RESOLVED', resolution: 'resyncScimRecord' },
        },
      });
      expect(
        (await webhookDeliveries(app, token, { webhookId: hook.id })).map((d) => [d.eventType, d.status, d.attempts]),
      ).toEqual([
        ['CONFLICT_RESOLVED', 'DELIVERED', 1],
        ['CONFLICT_OPENED', 'DELIVERED', 1],
        ['CONFLICT_OPENED', 'DELIVERED', 2],
      ]);
      // The IdP's next read sees what it asked for.
      expect((await okta.get(`/Users/${recordId}`)).body.emails).toEqual([
        expect.objectContaining({ value: 'alice.smith@acme.org' }),
      ]);
    });
  });

  describe('story 2: a directory whose SSO and SCIM mappings disagree', () => {
    let organizationId: string;
    let token: string;
    let directoryId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story2')).id;
      await given.domain(organizationId, 'mapping.example', { verified: true, claimed: true });
      token = await app.token(organizationId, undefined, 'admin@mapping.example');
    });

    it('opens MAPPING_MISMATCH as soon as the directory is created with mismatched mappings', async () => {
      const { data } = await app.gql<{
        createDirectory: {
          directory: { id: string; mappingConsistent: boolean };
          scimToken: string;
          mappingConflict: { kind: string; summary: string };
          userErrors: unknown[];
        };
      }>(
        `mutation { createDirectory(name: "Entra", provider: ENTRA_ID, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.userprincipalname") {
            directory { id mappingConsistent } scimToken mappingConflict { kind summary } userErrors { code } } }`,
        undefined,
        { token },
      );
      expect(data!.createDirectory).toMatchObject({
        directory: { mappingConsistent: false },
        mappingConflict: {
          kind: 'MAPPING_MISMATCH',
          summary: 'Entra maps the SSO email to user.mail but the SCIM email to user.userprincipalname.',
        },
        userErrors: [],
      });
      expect(data!.createDirectory.scimToken).toMatch(/^scim_/);
      directoryId = data!.createDirectory.directory.id;
    });

    it('flags every push through it, with still one open conflict', async () => {
      const idp = identityProvider(db.dataSource, organizationId, directoryId);
      for (const user of ['ann', 'ben', 'cat']) {
        const pushed = await idp.create({ externalId: user, userName: `${user}@mapping.example` });
        expect(pushed.kind).toBe('synced');
        expect(pushed.kind !== 'duplicate' && pushed.sync.findings).toEqual([
          'Entra maps the SSO email to user.mail but the SCIM email to user.userprincipalname.',
        ]);
      }
      const { data } = await app.gql<{ conflicts: { totalCount: number } }>(
        `{ conflicts(filter: { kind: MAPPING_MISMATCH, status: OPEN }) { totalCount } }`,
        undefined,
        { token },
      );
      expect(data!.conflicts.totalCount).toBe(1);
    });

    it('resolves it when the mapping is fixed, and refuses to touch the mapping with a stale version', async () => {
      const stale = await app.gql<{ updateDirectoryMapping: { userErrors: Array<{ code: string }> } }>(
        `mutation($id: ID!) { updateDirectoryMapping(directoryId: $id, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.mail", expectedVersion: 99) { userErrors { code } } }`,
        { id: directoryId },
        { token },
      );
      expect(stale.data!.updateDirectoryMapping.userErrors).toEqual([{ code: 'VERSION_CONFLICT' }]);

      const { data } = await app.gql<{ updateDirectoryMapping: Record<string, unknown> }>(
        `mutation($id: ID!) { updateDirectoryMapping(directoryId: $id, ssoEmailAttribute: "user.mail", scimEmailAttribute: "user.mail") {
            directory { mappingConsistent } mappingConflict { id } resolvedConflicts { kind status resolution } userErrors { code } } }`,
        { id: directoryId },
        { token },
      );
      expect(data!.updateDirectoryMapping).toEqual({
        directory: { mappingConsistent: true },
        mappingConflict: null,
        resolvedConflicts: [{ kind: 'MAPPING_MISMATCH', status: 'RESOLVED', resolution: 'updateDirectoryMapping' }],
        userErrors: [],
      });
      const events = await trail(token, { targetId: directoryId });
      expect(events.map((event) => event.action)).toEqual(['createDirectory', 'updateDirectoryMapping']);
      expect(events[1]).toMatchObject({
        before: { scimEmailAttribute: 'user.userprincipalname' },
        after: { scimEmailAttribute: 'user.mail' },
      });
    });
  });

  describe('story 3: an unmanaged account on a verified domain', () => {
    let organizationId: string;
    let token: string;
    let bobId: string;
    let recordId: string;
    let directoryId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story3')).id;
      await given.domain(organizationId, 'unmanaged.example', { verified: true });
      await given.domain(organizationId, 'unverified.example');
      directoryId = (await given.directory(organizationId, 'Okta')).id;
      bobId = (await given.account(organizationId, 'bob@unmanaged.example')).id;
      token = await app.token(organizationId, undefined, 'admin@unmanaged.example');
    });

    it('is not taken over by SCIM: the record waits, PENDING, with an UNMANAGED_ACCOUNT conflict', async () => {
      const pushed = await identityProvider(db.dataSource, organizationId, directoryId).create({
        externalId: 'bob',
        userName: 'bob@unmanaged.example',
      });
      expect(pushed).toMatchObject({ kind: 'pending', status: 201 });
      recordId = pushed.kind === 'pending' ? pushed.record.id : '';
      const { data } = await app.gql<Record<string, Record<string, unknown>>>(
        `query($record: ID!, $bob: ID!) {
          scimRecord(id: $record) { syncStatus account { id } conflicts(status: OPEN) { kind account { email } remediation { action arguments } } }
          account(id: $bob) { managed idpManaged }
        }`,
        { record: recordId, bob: bobId },
        { token },
      );
      expect(data).toEqual({
        scimRecord: {
          syncStatus: 'PENDING',
          account: null,
          conflicts: [
            {
              kind: 'UNMANAGED_ACCOUNT',
              account: { email: 'bob@unmanaged.example' },
              remediation: [
                { action: 'claimAccount', arguments: { accountId: bobId } },
                { action: 'linkScimRecord', arguments: { id: recordId, accountId: bobId } },
                { action: 'resyncScimRecord', arguments: { id: recordId } },
              ],
            },
          ],
        },
        account: { managed: false, idpManaged: false },
      });
    });

    it('refuses to link the record to the account before it is claimed (no silent takeover)', async () => {
      const { data } = await app.gql<{ linkScimRecord: { userErrors: Array<{ code: string }> } }>(
        `mutation($id: ID!, $account: ID!) { linkScimRecord(id: $id, accountId: $account) { userErrors { code } } }`,
        { id: recordId, account: bobId },
        { token },
      );
      expect(data!.linkScimRecord.userErrors).toEqual([{ code: 'ACCOUNT_NOT_CLAIMED' }]);
    });

    it('refuses to claim an account on a domain that is not verified (rule R3)', async () => {
      const carol = await fixtures(db.dataSource).account(organizationId, 'carol@unverified.example');
      const { data } = await app.gql<{ claimAccount: { account: unknown; userErrors: Array<Record<string, string>> } }>(
        `mutation($id: ID!) { claimAccount(accountId: $id) { account { managed } userErrors { code field rule message } } }`,
        { id: carol.id },
        { token },
      );
      expect(data!.claimAccount).toEqual({
        account: null,
        userErrors: [
          {
            code: 'DOMAIN_NOT_VERIFIED',
            field: 'accountId',
            rule: 'R3',
            message: 'unverified.example is UNVERIFIED, not VERIFIED: verify it before claiming accounts on it.',
          },
        ],
      });
    });

    it('syncs once the account is claimed, linked and resynced, and resolves the conflict', async () => {
      const { data } = await app.gql<{ conflicts: { edges: Array<{ node: { id: string } }> } }>(
        `{ conflicts(filter: { kind: UNMANAGED_ACCOUNT, status: OPEN }) { edges { node { id } } } }`,
        undefined,
        { token },
      );
      expect(await followRemediation(app, token, data!.conflicts.edges[0].node.id)).toEqual([
        'claimAccount',
        'linkScimRecord',
        'resyncScimRecord',
      ]);
      const after = await app.gql<Record<string, Record<string, unknown>>>(
        `query($record: ID!, $bob: ID!) { scimRecord(id: $record) { syncStatus account { email } } account(id: $bob) { managed idpManaged conflicts { kind status resolution actionsTaken } } }`,
        { record: recordId, bob: bobId },
        { token },
      );
      expect(after.data).toEqual({
        scimRecord: { syncStatus: 'SYNCED', account: { email: 'bob@unmanaged.example' } },
        account: {
          managed: true,
          idpManaged: true,
          conflicts: [
            {
              kind: 'UNMANAGED_ACCOUNT',
              status: 'RESOLVED',
              resolution: 'resyncScimRecord',
              actionsTaken: ['claimAccount', 'linkScimRecord', 'resyncScimRecord'],
            },
          ],
        },
      });
    });
  });

  describe('story 4: a domain migration old.example -> new.example', () => {
    let organizationId: string;
    let token: string;
    let oldId: string;
    let newId: string;
    let daveId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story4')).id;
      oldId = (await given.domain(organizationId, 'old.example', { verified: true })).id;
      newId = (await given.domain(organizationId, 'new.example')).id;
      const directoryId = (await given.directory(organizationId, 'Okta')).id;
      await identityProvider(db.dataSource, organizationId, directoryId).create({
        externalId: 'carol',
        userName: 'carol@old.example',
      });
      daveId = (
        await given.account(organizationId, 'dave@old.example', { origin: 'INVITATION' as never, managed: true })
      ).id;
      await given.account(organizationId, 'erin@old.example', { managed: true });
      token = await app.token(organizationId, undefined, 'admin@new.example');
    });

    const start = () =>
      app.gql<{
        startDomainMigration: {
          migration: { status: string; fromDomain: { name: string } } | null;
          staleAccounts: Array<{ email: string }>;
          userErrors: Array<{ code: string; rule: string }>;
        };
      }>(
        `mutation { startDomainMigration(fromDomain: "old.example", toDomain: "NEW.example") {
            migration { status fromDomain { name } } staleAccounts { email } userErrors { code rule field message } } }`,
        undefined,
        { token },
      );

    it('is refused until both domains are verified (rule R4)', async () => {
      const { data } = await start();
      expect(data!.startDomainMigration).toMatchObject({
        migration: null,
        userErrors: [
          { code: 'DOMAIN_NOT_CLAIMED', rule: 'R4', field: 'fromDomain' },
          { code: 'DOMAIN_NOT_VERIFIED', rule: 'R4', field: 'toDomain' },
        ],
      });
    });

    it('is refused until both domains are claimed (rule R4)', async () => {
      await db.dataSource.query(`UPDATE domain SET status = 'VERIFIED', verified_at = now() WHERE id = $1`, [newId]);
      const { data } = await start();
      expect(data!.startDomainMigration).toMatchObject({
        migration: null,
        userErrors: [
          { code: 'DOMAIN_NOT_CLAIMED', rule: 'R4', field: 'fromDomain' },
          { code: 'DOMAIN_NOT_CLAIMED', rule: 'R4', field: 'toDomain' },
        ],
      });
    });

    it('starts once both are claimed, listing the accounts no SCIM record backs (rule R5)', async () => {
      for (const id of [oldId, newId]) {
        const { data } = await app.gql<{ claimDomain: { userErrors: unknown[] } }>(
          `mutation($id: ID!) { claimDomain(id: $id) { userErrors { code } } }`,
          { id },
          { token },
        );
        expect(data!.claimDomain.userErrors).toEqual([]);
      }
      const started = await start();
      expect(started.data!.startDomainMigration).toEqual({
        migration: { status: 'IN_PROGRESS', fromDomain: { name: 'old.example' } },
        staleAccounts: [{ email: 'dave@old.example' }, { email: 'erin@old.example' }],
        userErrors: [],
      });
      const { data } = await app.gql<Record<string, { totalCount: number }>>(
        `{ conflicts(filter: { kind: STALE_EXTERNAL_ACCOUNT }) { totalCount } }`,
        undefined,
        { token },
      );
      expect(data!.conflicts.totalCount).toBe(2);
      const migrations = await app.gql<{ domainMigrations: Array<Record<string, unknown>> }>(
        `{ domainMigrations { status fromDomain { name } toDomain { name } staleAccounts { email } } }`,
        undefined,
        { token },
      );
      expect(migrations.data!.domainMigrations).toEqual([
        {
          status: 'IN_PROGRESS',
          fromDomain: { name: 'old.example' },
          toDomain: { name: 'new.example' },
          staleAccounts: [{ email: 'dave@old.example' }, { email: 'erin@old.example' }],
        },
      ]);
      const again = await start();
      expect(again.data!.startDomainMigration.userErrors).toMatchObject([{ code: 'MIGRATION_IN_PROGRESS' }]);
    });

    it('lets the stale accounts be suspended (resolving their conflicts) and restored again', async () => {
      const suspended = await app.gql<{
        suspendAccount: { account: { status: string; statusReason: string }; userErrors: unknown[] };
      }>(
        `mutation($id: ID!) { suspendAccount(id: $id, reason: "No IdP backs it after the migration") { account { status statusReason } userErrors { code } } }`,
        { id: daveId },
        { token },
      );
      expect(suspended.data!.suspendAccount).toEqual({
        account: { status: 'SUSPENDED', statusReason: 'No IdP backs it after the migration' },
        userErrors: [],
      });
      const { data } = await app.gql<{ account: { conflicts: Array<Record<string, unknown>> } }>(
        `query($id: ID!) { account(id: $id) { conflicts { kind status resolution } } }`,
        { id: daveId },
        { token },
      );
      expect(data!.account.conflicts).toEqual([
        { kind: 'STALE_EXTERNAL_ACCOUNT', status: 'RESOLVED', resolution: 'suspendAccount' },
      ]);
      const restored = await app.gql<{ restoreAccount: { account: { status: string; statusReason: string | null } } }>(
        `mutation($id: ID!) { restoreAccount(id: $id) { account { status statusReason } } }`,
        { id: daveId },
        { token },
      );
      expect(restored.data!.restoreAccount.account).toEqual({ status: 'ACTIVE', statusReason: null });
    });

    it('ends COMPLETED once no stale account and no conflict of it is left, and not before', async () => {
      const complete = async () => {
        const { data } = await app.gql<{
          domainMigrations: Array<{ id: string }>;
        }>(`{ domainMigrations { id } }`, undefined, { token });
        const response = await app.gql<{
          completeDomainMigration: {
            migration: { status: string };
            userErrors: Array<{ code: string; field: string; message: string }>;
          };
        }>(
          `mutation($id: ID!) { completeDomainMigration(id: $id) { migration { status } userErrors { code field message } } }`,
          { id: data!.domainMigrations[0].id },
          { token },
        );
        return response.data!.completeDomainMigration;
      };
      // dave was restored (stale again); erin was never reviewed and her conflict is open.
      expect(await complete()).toMatchObject({
        migration: { status: 'IN_PROGRESS' },
        userErrors: [
          {
            code: 'MIGRATION_NOT_READY',
            field: 'staleAccounts',
            message:
              '2 active account(s) on old.example that no identity provider backs: dave@old.example, erin@old.example. Suspend or deactivate them, or move them to new.example.',
          },
          { code: 'MIGRATION_NOT_READY', field: 'conflicts' },
        ],
      });
      const erinId = (
        await db.dataSource.query<Array<{ id: string }>>(`SELECT id FROM account WHERE email = 'erin@old.example'`)
      )[0].id;
      for (const id of [daveId, erinId]) {
        const { data } = await app.gql<{ suspendAccount: { userErrors: unknown[] } }>(
          `mutation($id: ID!) { suspendAccount(id: $id, reason: "No IdP backs it after the migration") { userErrors { code } } }`,
          { id },
          { token },
        );
        expect(data!.suspendAccount.userErrors).toEqual([]);
      }
      expect(await complete()).toEqual({ migration: { status: 'COMPLETED' }, userErrors: [] });
      const { data } = await app.gql<{ domainMigrations: unknown[] }>(
        `{ domainMigrations { status staleAccounts { email } } }`,
        undefined,
        { token },
      );
      expect(data!.domainMigrations).toEqual([{ status: 'COMPLETED', staleAccounts: [] }]);
    });
  });

  describe('story 5: a stuck sync, fixed by deleting the record', () => {
    let organizationId: string;
    let token: string;
    let stuckId: string;
    let graceId: string;
    let legacyId: string;
    let entraId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('story5')).id;
      await given.domain(organizationId, 'stuck.example', { verified: true, claimed: true });
      await given.domain(organizationId, 'legacy.example', { verified: true, claimed: true });
      const oktaId = (await given.directory(organizationId, 'Okta')).id;
      entraId = (await given.directory(organizationId, 'Entra')).id;
      const okta = identityProvider(db.dataSource, organizationId, oktaId);
      const entra = identityProvider(db.dataSource, organizationId, entraId);
      const grace = await okta.create({ externalId: 'o-grace', userName: 'grace@stuck.example' });
      graceId = grace.kind === 'synced' ? grace.record.accountId! : '';
      // Entra provisioned Grace long ago on her old address, then renamed her to the address Okta manages.
      const old = await entra.create({ externalId: 'e-grace', userName: 'grace@legacy.example' });
      stuckId = old.kind === 'synced' ? old.record.id : '';
      legacyId = old.kind === 'synced' ? old.record.accountId! : '';
      expect(
        (
          await entra.replace(stuckId, {
            externalId: 'e-grace',
            userName: 'grace@legacy.example',
            email: 'grace@stuck.example',
          })
        ).kind,
      ).toBe('failed');
      token = await app.token(organizationId, undefined, 'admin@stuck.example');
    });

    const resync = () =>
      app.gql<{
        resyncScimRecord: { scimRecord: { syncStatus: string; attempts: number }; userErrors: Array<{ code: string }> };
      }>(
        `mutation($id: ID!) { resyncScimRecord(id: $id) { scimRecord { syncStatus attempts } userErrors { code } } }`,
        { id: stuckId },
        { token },
      );

    it('keeps failing on resync, counting attempts, and renaming the holder is refused (rule R1)', async () => {
      const first = await resync();
      const second = await resync();
      expect(first.data!.resyncScimRecord).toEqual({
        scimRecord: { syncStatus: 'FAILED', attempts: 2 },
        userErrors: [{ code: 'EMAIL_TAKEN' }],
      });
      expect(second.data!.resyncScimRecord.scimRecord.attempts).toBe(3);
      const rename = await app.gql<{ renameAccountEmail: { userErrors: Array<{ code: string; rule: string }> } }>(
        `mutation($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code rule } } }`,
        { id: graceId },
        { token },
      );
      expect(rename.data!.renameAccountEmail.userErrors).toEqual([{ code: 'IDP_MANAGED_ACCOUNT', rule: 'R1' }]);
      const { data } = await app.gql<{
        scimRecord: { conflicts: Array<{ remediation: Array<{ action: string; automated: boolean }> }> };
      }>(
        `query($id: ID!) { scimRecord(id: $id) { conflicts(status: OPEN) { remediation { action automated } } } }`,
        { id: stuckId },
        { token },
      );
      expect(data!.scimRecord.conflicts[0].remediation).toEqual([
        { action: 'deleteScimRecord', automated: true },
        { action: 'pushFromIdentityProvider', automated: false },
      ]);
    });

    it('deletes the record: the account and its history stay, the conflicts close', async () => {
      const { data } = await app.gql<{
        deleteScimRecord: { resolvedConflicts: Array<{ kind: string }>; userErrors: unknown[] };
      }>(
        `mutation($id: ID!) { deleteScimRecord(id: $id) { resolvedConflicts { kind } userErrors { code } } }`,
        { id: stuckId },
        { token },
      );
      // Both causes go with the record: the address it wanted from Grace, and Grace twice (the push
      // opened DUPLICATE_ACCOUNTS as a rescan would: rules in one place).
      const deleted = data!.deleteScimRecord;
      expect({ ...deleted, resolvedConflicts: deleted.resolvedConflicts.map(({ kind }) => kind).sort() }).toEqual({
        resolvedConflicts: ['DUPLICATE_ACCOUNTS', 'EMAIL_TAKEN'],
        userErrors: [],
      });
      const after = await app.gql(
        `query($record: ID!, $legacy: ID!) { scimRecord(id: $record) { id } account(id: $legacy) { email idpManaged } }`,
        { record: stuckId, legacy: legacyId },
        { token },
      );
      expect(after.data).toEqual({ scimRecord: null, account: { email: 'grace@legacy.example', idpManaged: false } });
      const pushes = await db.dataSource.query<Array<{ operation: string; scim_record_id: string | null }>>(
        `SELECT operation, scim_record_id FROM scim_push WHERE directory_id = $1 ORDER BY id`,
        [entraId],
      );
      expect(pushes.map((push) => [push.operation, push.scim_record_id])).toEqual([
        ['CREATE', null],
        ['REPLACE', null],
        ['RESYNC', null],
        ['RESYNC', null],
        ['DELETE', null],
      ]);
    });

    it("is recreated by the IdP's next push and linked to the account that owns the email", async () => {
      const pushed = await identityProvider(db.dataSource, organizationId, entraId).create({
        externalId: 'e-grace',
        userName: 'grace@legacy.example',
        email: 'grace@stuck.example',
      });
      expect(pushed).toMatchObject({ kind: 'synced', status: 201 });
      expect(pushed.kind === 'synced' && pushed.record.accountId).toBe(graceId);
      const { data } = await app.gql<{ account: { scimRecords: Array<{ directory: { name: string } }> } }>(
        `query($id: ID!) { account(id: $id) { scimRecords { syncStatus directory { name } } } }`,
        { id: graceId },
        { token },
      );
      expect(data!.account.scimRecords).toEqual([
        { syncStatus: 'SYNCED', directory: { name: 'Okta' } },
        { syncStatus: 'SYNCED', directory: { name: 'Entra' } },
      ]);
    });
  });
});
