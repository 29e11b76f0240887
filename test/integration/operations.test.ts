import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { seedDemo, type DemoData } from '../../src/seed/demo';

/** What an operator relies on: health, metrics, request ids in the audit trail, draining on stop. */
describe('operations', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;
  let dns: TestDnsServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    dns = await startDnsServer({ silent: ['slow.acme.example'] });
    app = await startTestServer(db.dataSource, { domainCheck: { dnsServers: [dns.address], timeoutMs: 800 } });
    token = await app.token(demo.acme.organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await dns.close();
    await db.drop();
  });

  it('serves liveness and readiness', async () => {
    expect(await (await fetch(`${app.url}/health/live`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${app.url}/health/ready`)).json()).toEqual({ status: 'ready' });
  });

  it("carries the caller's x-request-id into the audit event, and echoes it", async () => {
    const response = await app.gql(
      `mutation($id: ID!) { claimAccount(accountId: $id) { userErrors { code } } }`,
      { id: demo.acme.accounts.bob },
      {
        token,
        headers: { 'x-request-id': 'portal-7f3a' },
      },
    );
    expect(response.headers.get('x-request-id')).toBe('portal-7f3a');
    const [event] = await db.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT action, request_id FROM audit_event WHERE target_id = $1`,
      [demo.acme.accounts.bob],
    );
    expect(event).toEqual({ action: 'claimAccount', request_id: 'portal-7f3a' });
  });

  it('exposes Prometheus metrics: requests by operation, SCIM pushes by outcome, open conflicts by kind, pool usage', async () => {
    await app.gql(`query PortalQueue { conflicts(first: 5) { totalCount } }`, undefined, { token });
    await fetch(`${app.url}/scim/directory/${demo.acme.directories.okta}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.acme.directoryTokens.okta}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'metrics@acme.com',
        emails: [{ value: 'metrics@acme.com', primary: true }],
      }),
    });
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/governance_graphql_requests_total\{operation="PortalQueue",outcome="ok"\} 1/);
    expect(text).toMatch(/governance_graphql_request_duration_seconds_bucket\{le="[\d.]+",operation="PortalQueue"\}/);
    expect(text).toMatch(/governance_scim_pushes_total\{operation="CREATE",outcome="applied"\} 1/);
    expect(text).toMatch(/governance_open_conflicts\{kind="UNMANAGED_ACCOUNT"\} \d+/);
    expect(text).toMatch(/governance_db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/governance_http_request_duration_seconds_count\{route="scim",method="POST",status="201"\} 1/);
  });

  it('lets an in-flight request finish when stopping, and refuses new connections', async () => {
    const [{ id }] = await db.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO domain (organization_id, name, verification_token) VALUES ($1, 'slow.acme.example', 'token') RETURNING id`,
      [demo.acme.organizationId],
    );
    // verifyDomain waits ~800 ms on a DNS server that never answers.
    const inFlight = app.gql<{ verifyDomain: { userErrors: Array<{ code: string }> } }>(
      `mutation($id: ID!) { verifyDomain(id: $id) { userErrors { code } } }`,
      { id },
      { token },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = app.stop();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.data!.verifyDomain.userErrors).toEqual([{ code: 'VERIFICATION_FAILED' }]);
    await stopping;
    await expect(fetch(`${app.url}/health/live`)).rejects.toThrow();
  });
});
