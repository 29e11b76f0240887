import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { runMutation } from '../../src/db/transaction';
import { Scope } from '../../src/auth/scopes';
import { verifyDomain } from '../../src/workflows/domain-verification';
import { WebhookEvent, emitEvent, verifySignature } from '../../src/webhooks';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';
import {
  DELIVERIES,
  REGISTER,
  receiver,
  registerWebhook,
  webhookDeliveries,
  webhookWorker,
  type DeliveryPage,
  type EventBody,
  type RegisterAnswer,
} from '../support/webhooks';

describe('webhooks: signed events from an outbox written with the change', () => {
  let db: TestDatabase;
  let app: TestServer;
  let okta: ScimClient;
  let organizationId: string;
  let otherOrganizationId: string;
  let token: string;
  let worker: ReturnType<typeof webhookWorker>;
  let good: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let broken: Awaited<ReturnType<typeof receiver>>;
  const hooks: Record<string, { id: string; secret: string }> = {};

  const register = (url: string, events: string[], options: { dryRun?: boolean; key?: string } = {}) =>
    registerWebhook(app, token, url, events, options);
  const deliveries = (filter: Record<string, unknown> = {}, as = token) => webhookDeliveries(app, as, filter);

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    organizationId = (await given.organization('hooks')).id;
    otherOrganizationId = (await given.organization('hooks-other')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    okta = scimClient(app.url, directory.id, directory.token);
    token = await app.token(organizationId, undefined, 'admin@acme.com');
    worker = webhookWorker(db.dataSource);
    good = await receiver();
    flaky = await receiver([500]);
    broken = await receiver([500, 503, 500, 500]);
  });
  afterAll(async () => {
    await Promise.all([good.close(), flaky.close(), broken.close()]);
    await app.stop();
    await db.drop();
  });

  it('registers a URL and answers its signing secret once; the list and the audit event never show it', async () => {
    const dry = await register(good.url, ['CONFLICT_OPENED'], { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, secret: null, userErrors: [] });

    const all = ['CONFLICT_OPENED', 'CONFLICT_RESOLVED', 'SCIM_RECORD_FAILED', 'DOMAIN_VERIFIED'];
    const registered = await register(good.url, all, { key: 'register-good' });
    expect(registered).toMatchObject({
      webhook: { url: good.url, events: expect.arrayContaining(all), createdBy: 'admin@acme.com' },
      userErrors: [],
      change: { action: 'registerWebhook', targetType: 'Webhook' },
    });
    expect(registered.secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(JSON.stringify(registered.change)).not.toContain(registered.secret!);
    hooks.good = { id: registered.webhook!.id, secret: registered.secret! };

    // A script that lost the answer repeats the request and gets the same webhook and secret.
    const replay = await register(good.url, all, { key: 'register-good' });
    expect(replay).toMatchObject({ replayed: true, secret: registered.secret, webhook: { id: hooks.good.id } });

    for (const [name, target] of [
      ['flaky', flaky],
      ['broken', broken],
    ] as const) {
      const answer = await register(target.url, ['CONFLICT_OPENED']);
      expect(answer.userErrors).toEqual([]);
      hooks[name] = { id: answer.webhook!.id, secret: answer.secret! };
    }

    const { data } = await app.gql<{ webhooks: Array<Record<string, unknown>> }>(
      `{ webhooks { id url events description } }`,
      {},
      { token },
    );
    expect(data!.webhooks.map((hook) => hook.id)).toEqual([hooks.good.id, hooks.flaky.id, hooks.broken.id]);
    expect(JSON.stringify(data)).not.toContain('whsec_');
  });

  it("delivers a signed conflict.opened for the article's case (a SCIM push answered 409)", async () => {
    const user = (email: string) => ({
      schemas: [SCIM.user],
      externalId: '00u1alice',
      userName: 'alice@acme.com',
      emails: [{ primary: true, value: email, type: 'work' }],
      active: true,
    });
    const created = await okta.post('/Users', user('alice@acme.com'));
    expect(created.status).toBe(201);
    await fixtures(db.dataSource).account(organizationId, 'alice.smith@acme.com');
    const conflicting = await okta.put(`/Users/${created.body.id}`, user('alice.smith@acme.com'));
    expect(conflicting.status).toBe(409);

    // Nothing is sent before the worker runs: the outbox rows committed with the push.
    expect(good.received).toHaveLength(0);
    const pass = await worker.runOnce();
    expect(pass).toMatchObject({ attempted: 4, delivered: 2 });

    const opened = good.received.find((r) => r.headers['x-webhook-event'] === 'conflict.opened')!;
    expect(opened).toBeDefined();
    const signature = String(opened.headers['x-webhook-signature']);
    const timestamp = String(opened.headers['x-webhook-timestamp']);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifySignature(hooks.good.secret, { signature, timestamp }, opened.body)).toBe(true);
    // Another key, a changed body or an old timestamp do not verify.
    expect(verifySignature(hooks.flaky.secret, { signature, timestamp }, opened.body)).toBe(false);
    expect(verifySignature(hooks.good.secret, { signature, timestamp }, `${opened.body} `)).toBe(false);
    expect(
      verifySignature(hooks.good.secret, { signature, timestamp }, opened.body, 300, (Number(timestamp) + 301) * 1000),
    ).toBe(false);

    const event = JSON.parse(opened.body) as EventBody;
    expect(opened.headers['x-webhook-id']).toBe(event.id);
    expect(opened.headers['content-type']).toBe('application/json');
    expect(event).toMatchObject({
      type: 'conflict.opened',
      organizationId,
      actor: expect.stringMatching(/^scim:/),
      data: {
        target: { type: 'Conflict' },
        conflict: {
          kind: 'EMAIL_TAKEN',
          status: 'OPEN',
          email: 'alice.smith@acme.com',
          summary: expect.stringContaining('alice.smith@acme.com'),
          scimRecordId: created.body.id,
        },
      },
    });
    expect(event.data.conflict!.id).toBe(event.data.target!.id);
    // The record's failure is its own event, to the webhook that asked for it.
    expect(good.events().map((e) => e.type)).toEqual(expect.arrayContaining(['scimRecord.failed']));
    expect(good.events().find((e) => e.type === 'scimRecord.failed')!.data).toMatchObject({
      target: { type: 'ScimRecord', id: created.body.id },
      after: { syncStatus: 'FAILED', email: 'alice.smith@acme.com' },
    });

    const log = await deliveries({ webhookId: hooks.good.id });
    expect(log.map((d) => [d.eventType, d.status, d.attempts])).toEqual(
      expect.arrayContaining([
        ['CONFLICT_OPENED', 'DELIVERED', 1],
        ['SCIM_RECORD_FAILED', 'DELIVERED', 1],
      ]),
    );
    expect(log[0].attemptLog).toEqual([
      { at: expect.any(String), statusCode: 200, error: null, durationMs: expect.any(Number) },
    ]);
    expect(log[0].nextAttemptAt).toBeNull();
  });

  it('retries a failing receiver with exponential backoff, and the delivery log shows every attempt', async () => {
    const [first] = await deliveries({ webhookId: hooks.flaky.id });
    expect(first).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: 500 });
    expect(first.attemptLog).toEqual([
      expect.objectContaining({ statusCode: 500, error: 'The receiver answered HTTP 500.' }),
    ]);
    expect(Date.parse(first.nextAttemptAt!) - Date.parse(first.attemptLog[0].at)).toBe(1000);

    // Not due yet: the next pass leaves it alone.
    expect(await worker.runOnce()).toMatchObject({ attempted: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect(await worker.runOnce()).toMatchObject({ attempted: 2, delivered: 1 });

    const [retried] = await deliveries({ webhookId: hooks.flaky.id });
    expect(retried).toMatchObject({ status: 'DELIVERED', attempts: 2, lastStatusCode: 200, lastError: null });
    expect(retried.attemptLog.map((a) => a.statusCode)).toEqual([500, 200]);
    // The same event, the same id on every attempt: receivers drop repeats by it.
    expect(flaky.received.map((r) => r.headers['x-webhook-id'])).toEqual([first.eventId, first.eventId]);

    // The broken receiver: 1 s, then 2 s, then given up after maxAttempts (3).
    const [second] = await deliveries({ webhookId: hooks.broken.id });
    expect(second).toMatchObject({ status: 'PENDING', attempts: 2, lastStatusCode: 503 });
    expect(Date.parse(second.nextAttemptAt!) - Date.parse(second.attemptLog[1].at)).toBe(2000);
    await new Promise((resolve) => setTimeout(resolve, 2050));
    expect(await worker.runOnce()).toMatchObject({ attempted: 1, failed: 1 });
    const [gaveUp] = await deliveries({ webhookId: hooks.broken.id, status: 'FAILED' });
    expect(gaveUp).toMatchObject({ status: 'FAILED', attempts: 3, nextAttemptAt: null });
    expect(gaveUp.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 500]);
    expect(broken.received).toHaveLength(3);
  });

  it('delivers each event once when replicas run their workers at the same time (emitEvent from code)', async () => {
    await runMutation(
      db.dataSource,
      { organizationId, actor: 'test', requestId: null },
      { action: 'verifyDomain', args: {} },
      {},
      async (m) => {
        for (let i = 0; i < 20; i++) await emitEvent(m, WebhookEvent.DOMAIN_VERIFIED, { n: i });
        // Not subscribed by any webhook of the organization: no row.
        await emitEvent(m, WebhookEvent.DOMAIN_VERIFICATION_LOST, {});
        return { userErrors: [] };
      },
    );
    const before = good.received.length;
    const replica = createDataSource({ url: db.url, entities, poolMax: 5 });
    await replica.initialize();
    try {
      const [a, b] = await Promise.all([webhookWorker(db.dataSource).runOnce(), webhookWorker(replica).runOnce()]);
      expect(a.attempted + b.attempted).toBe(20);
    } finally {
      await replica.destroy();
    }
    const sent = good.events().slice(before);
    expect(sent).toHaveLength(20);
    expect(new Set(sent.map((e) => e.id)).size).toBe(20);
    expect(sent.map((e) => Number(e.data.n)).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(await deliveries({ eventType: 'DOMAIN_VERIFICATION_LOST' })).toEqual([]);
  });

  it('pages the delivery log with keyset cursors', async () => {
    const first = await app.gql<DeliveryPage>(DELIVERIES, { first: 5 }, { token });
    const page1 = first.data!.webhookDeliveries;
    expect(page1.edges).toHaveLength(5);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await app.gql<DeliveryPage>(DELIVERIES, { first: 5, after: page1.pageInfo.endCursor }, { token });
    const ids = [...page1.edges, ...second.data!.webhookDeliveries.edges].map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(10);
    expect(page1.totalCount).toBe((await deliveries()).length);
  });

  it('refuses private, loopback and plain-http URLs at registration without the test switch', async () => {
    const strict = await startTestServer(db.dataSource, { domainCheck: { allowPrivateAddresses: false } });
    try {
      const answers = [];
      for (const url of [
        'https://127.0.0.1/hook',
        'https://localhost:8443/hook',
        'https://10.1.2.3/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'http://example.com/hook',
        'https://user:pass@example.com/hook',
        'not a url',
      ]) {
        const { data } = await strict.gql<{ registerWebhook: RegisterAnswer }>(
          REGISTER,
          { url, events: ['CONFLICT_OPENED'] },
          { token },
        );
        answers.push([url, data!.registerWebhook.userErrors.map((e) => `${e.code} ${String(e.field)}`)]);
      }
      expect(answers).toEqual([
        ['https://127.0.0.1/hook', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['https://localhost:8443/hook', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['https://10.1.2.3/hook', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['https://169.254.169.254/latest/meta-data', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['https://[::1]/hook', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['https://[::ffff:127.0.0.1]/hook', ['WEBHOOK_URL_NOT_ALLOWED url']],
        ['http://example.com/hook', ['INVALID_WEBHOOK_URL url']],
        ['https://user:pass@example.com/hook', ['INVALID_WEBHOOK_URL url']],
        ['not a url', ['INVALID_WEBHOOK_URL url']],
      ]);
    } finally {
      await strict.stop();
    }
  });

  it('checks the URL again at delivery: a worker without the switch sends nothing to loopback', async () => {
    await runMutation(
      db.dataSource,
      { organizationId, actor: 'test', requestId: null },
      { action: 'test', args: {} },
      {},
      async (m) => {
        await emitEvent(m, WebhookEvent.DOMAIN_VERIFIED, { n: 'private' });
        return { userErrors: [] };
      },
    );
    const before = good.received.length;
    const strictWorker = webhookWorker(db.dataSource, { allowPrivateAddresses: false });
    expect(await strictWorker.runOnce()).toMatchObject({ attempted: 1, delivered: 0 });
    expect(good.received).toHaveLength(before);
    const [refused] = await deliveries({ status: 'PENDING', webhookId: hooks.good.id });
    expect(refused).toMatchObject({ attempts: 1, lastStatusCode: null });
    // Plain http to a loopback address: refused before any connection.
    expect(refused.lastError).toBe('A webhook URL must use https.');
  });

  it("shows another organization nothing of this one's webhooks, and lets it change none", async () => {
    const other = await app.token(otherOrganizationId);
    const { data } = await app.gql<{ webhooks: unknown[] }>(`{ webhooks { id } }`, {}, { token: other });
    expect(data!.webhooks).toEqual([]);
    expect(await deliveries({}, other)).toEqual([]);
    expect(await deliveries({ webhookId: hooks.good.id }, other)).toEqual([]);
    const removed = await app.gql<{ deleteWebhook: { userErrors: Array<{ code: string }>; webhook: unknown } }>(
      `mutation($id: ID!) { deleteWebhook(id: $id) { webhook { id } userErrors { code field } } }`,
      { id: hooks.good.id },
      { token: other },
    );
    expect(removed.data!.deleteWebhook).toEqual({ webhook: null, userErrors: [{ code: 'NOT_FOUND', field: 'id' }] });
    // Its own changes reach none of this organization's webhooks.
    const count = (await deliveries()).length;
    await runMutation(
      db.dataSource,
      { organizationId: otherOrganizationId, actor: 'test', requestId: null },
      { action: 'test', args: {} },
      {},
      async (m) => {
        await emitEvent(m, WebhookEvent.CONFLICT_OPENED, {});
        await m.audit({
          targetType: 'Domain',
          targetId: null,
          before: { status: 'UNVERIFIED' },
          after: { status: 'VERIFIED' },
        });
        return { userErrors: [] };
      },
    );
    expect(await deliveries()).toHaveLength(count);
  });

  it('needs governance:write to register and delete, governance:read to list', async () => {
    const reader = await app.token(organizationId, [Scope.READ]);
    const refused = await app.gql(REGISTER, { url: good.url, events: ['CONFLICT_OPENED'] }, { token: reader });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const listed = await app.gql<{ webhooks: unknown[] }>(`{ webhooks { id } }`, {}, { token: reader });
    expect(listed.data!.webhooks).toHaveLength(3);
  });

  it('sends nothing for a dry run; the rescan that commits sends conflict.opened, the claim conflict.resolved', async () => {
    const detect = `mutation($dryRun: Boolean) { detectConflicts(dryRun: $dryRun) { openedCount userErrors { code } } }`;
    const opened = async () => (await deliveries({ eventType: 'CONFLICT_OPENED' })).length;
    const before = await opened();
    const dry = await app.gql<{ detectConflicts: { openedCount: number } }>(detect, { dryRun: true }, { token });
    const count = dry.data!.detectConflicts.openedCount;
    expect(count).toBeGreaterThan(0);
    expect(await opened()).toBe(before);

    const applied = await app.gql<{ detectConflicts: { openedCount: number } }>(detect, { dryRun: false }, { token });
    expect(applied.data!.detectConflicts.openedCount).toBe(count);
    // One per conflict for each of the three webhooks subscribed to it.
    expect(await opened()).toBe(before + 3 * count);
    const received = good.received.length;
    await worker.runOnce();
    const sent = good
      .events()
      .slice(received)
      .filter((event) => event.type === 'conflict.opened');
    expect(sent).toHaveLength(count);
    const unmanaged = sent
      .map((event) => event.data.conflict as { id: string; kind: string; accountId: string })
      .find((conflict) => conflict.kind === 'UNMANAGED_ACCOUNT')!;
    expect(unmanaged).toBeDefined();

    // Claiming the account resolves it: conflict.resolved, from the ledger's UPDATE.
    const claimed = await app.gql<{ claimAccount: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { claimAccount(accountId: $id) { userErrors { code message } } }`,
      { id: unmanaged.accountId },
      { token },
    );
    expect(claimed.data!.claimAccount.userErrors).toEqual([]);
    const resolvedFrom = good.received.length;
    await worker.runOnce();
    expect(
      good
        .events()
        .slice(resolvedFrom)
        .filter((event) => event.type === 'conflict.resolved')
        .map((event) => event.data.conflict),
    ).toEqual([expect.objectContaining({ id: unmanaged.id, status: 'RESOLVED', kind: 'UNMANAGED_ACCOUNT' })]);
  });

  it('sends domain.verificationLost when a check finds the proof gone, and conflict.dismissed', async () => {
    const hook = await register(good.url, ['DOMAIN_VERIFICATION_LOST', 'CONFLICT_DISMISSED']);
    const events = async () =>
      (await deliveries({ webhookId: hook.webhook!.id })).map((d) => [d.eventType, d.payload.data.target?.type]);

    // The domain service's own change: a conclusive failed check of a VERIFIED domain.
    const [domain] = await db.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM domain WHERE organization_id = $1 AND name = 'acme.com'`,
      [organizationId],
    );
    await runMutation(
      db.dataSource,
      { organizationId, actor: 'test', requestId: null },
      { action: 'verifyDomain', args: {} },
      {},
      async (m) => {
        const outcome = await verifyDomain(
          m,
          { id: domain.id },
          {
            ok: false,
            reason: 'MISSING_RECORD',
            detail: 'The TXT record is gone.',
            conclusive: true,
          },
        );
        expect(outcome.kind).toBe('check_failed');
        return { userErrors: [], persist: true };
      },
    );
    expect(await events()).toEqual([['DOMAIN_VERIFICATION_LOST', 'Domain']]);

    const [conflict] = await db.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM conflict WHERE organization_id = $1 AND status = 'OPEN' LIMIT 1`,
      [organizationId],
    );
    const dismissed = await app.gql<{ dismissConflict: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { dismissConflict(id: $id, reason: "known") { userErrors { code message } } }`,
      { id: conflict.id },
      { token },
    );
    expect(dismissed.data!.dismissConflict.userErrors).toEqual([]);
    expect(await events()).toEqual([
      ['CONFLICT_DISMISSED', 'Conflict'],
      ['DOMAIN_VERIFICATION_LOST', 'Domain'],
    ]);

    const removed = await app.gql<{ deleteWebhook: RegisterAnswer }>(
      `mutation($id: ID!) { deleteWebhook(id: $id) { userErrors { code } } }`,
      { id: hook.webhook!.id },
      { token },
    );
    expect(removed.data!.deleteWebhook.userErrors).toEqual([]);
  });

  it('forgets settled deliveries after the retention, never pending ones', async () => {
    const settled = await deliveries({ status: 'DELIVERED' });
    const pending = await deliveries({ status: 'PENDING' });
    expect(pending.length).toBeGreaterThan(0);
    await db.dataSource.query(
      `UPDATE webhook_delivery SET created_at = now() - interval '31 days' WHERE id = ANY($1)`,
      [[settled[0].id, pending[0].id]],
    );
    const pass = await webhookWorker(db.dataSource).runOnce();
    expect(pass.expired).toBe(1);
    const left = (await deliveries()).map((d) => d.id);
    expect(left).not.toContain(settled[0].id);
    expect(left).toContain(pending[0].id);
  });

  it('deletes a webhook: its pending deliveries go, nothing more is sent to it', async () => {
    const removed = await app.gql<{ deleteWebhook: RegisterAnswer }>(
      `mutation($id: ID!) { deleteWebhook(id: $id) { webhook { id url } userErrors { code } change { action before after } } }`,
      { id: hooks.good.id },
      { token },
    );
    expect(removed.data!.deleteWebhook).toMatchObject({
      webhook: { id: hooks.good.id },
      userErrors: [],
      change: { action: 'deleteWebhook', after: null },
    });
    expect(await deliveries({ webhookId: hooks.good.id })).toEqual([]);
    const { data } = await app.gql<{ webhooks: Array<{ id: string }> }>(`{ webhooks { id } }`, {}, { token });
    expect(data!.webhooks.map((hook) => hook.id)).toEqual([hooks.flaky.id, hooks.broken.id]);
  });
});
