import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { fixtures } from '../support/fixtures';

interface DomainResult {
  domain: {
    id: string;
    name: string;
    status: string;
    lastCheckError: string | null;
    verification: { token: string; dnsRecordName: string | null; fileUrl: string | null };
  } | null;
  userErrors: Array<{ code: string; message: string }>;
}

const DOMAIN = 'id status name lastCheckError verification { token dnsRecordName fileUrl }';

/** verifyDomain against a real DNS server and a real HTTP server on loopback; the checker is not mocked. */
describe('verifyDomain', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dns: TestDnsServer;
  let web: http.Server;
  const files = new Map<string, (res: http.ServerResponse) => void>();
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dns = await startDnsServer({ silent: ['slow.example'] });
    web = http.createServer((req, res) => {
      const serve = files.get(String(req.headers.host).split(':')[0]);
      if (serve) serve(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    app = await startTestServer(db.dataSource, {
      domainCheck: { dnsServers: [dns.address], filePort: (web.address() as AddressInfo).port, timeoutMs: 700 },
    });
    const given = fixtures(db.dataSource);
    token = await app.token((await given.organization('verifier')).id);
    otherToken = await app.token((await given.organization('earlier-holder')).id);
  });
  afterAll(async () => {
    await app.stop();
    await dns.close();
    await new Promise((resolve) => web.close(resolve));
    await db.drop();
  });

  const add = async (name: string, method = 'DNS_TXT', as = token) =>
    (
      await app.gql<{ addDomain: DomainResult }>(
        `mutation { addDomain(name: "${name}", method: ${method}) { domain { ${DOMAIN} } userErrors { code message } } }`,
        undefined,
        { token: as },
      )
    ).data!.addDomain.domain!;
  const verify = async (id: string, as = token) =>
    (
      await app.gql<{ verifyDomain: DomainResult }>(
        `mutation($id: ID!) { verifyDomain(id: $id) { domain { ${DOMAIN} } userErrors { code message } } }`,
        { id },
        { token: as },
      )
    ).data!.verifyDomain;

  it('returns the exact TXT record to publish, and verifies once it is there', async () => {
    const domain = await add('Verified.Example.');
    expect(domain).toMatchObject({
      name: 'verified.example',
      status: 'UNVERIFIED',
      verification: { dnsRecordName: 'verified.example', fileUrl: null },
    });
    dns.setTxt('verified.example', [['v=spf1 -all'], [domain.verification.token]]);
    expect(await verify(domain.id)).toMatchObject({
      domain: { status: 'VERIFIED', lastCheckError: null },
      userErrors: [],
    });
  });

  it('stays UNVERIFIED on a wrong token, recording why', async () => {
    const domain = await add('wrong.example');
    dns.setTxt('wrong.example', [['identity-governance-verification=somebody-else']]);
    const result = await verify(domain.id);
    expect(result.userErrors).toMatchObject([{ code: 'VERIFICATION_FAILED' }]);
    expect(result.domain).toMatchObject({ status: 'UNVERIFIED', lastCheckError: result.userErrors[0].message });
    const [{ last_checked_at: checkedAt }] = await db.dataSource.query<Array<{ last_checked_at: Date }>>(
      `SELECT last_checked_at FROM domain WHERE id = $1`,
      [domain.id],
    );
    expect(checkedAt).not.toBeNull();
  });

  it('fails when the record is missing, and when DNS does not answer in time', async () => {
    const missing = await add('missing.example');
    expect((await verify(missing.id)).userErrors).toMatchObject([{ code: 'VERIFICATION_FAILED' }]);
    const slow = await add('slow.example');
    const timedOut = await verify(slow.id);
    expect(timedOut.userErrors[0].message).toMatch(/Gave up after 700 ms/);
  });

  it('verifies by HTTPS file served at the well-known path of the address DNS gives', async () => {
    const domain = await add('files.example', 'HTTPS_FILE');
    expect(domain.verification.fileUrl).toBe('https://files.example/.well-known/identity-governance-verification.txt');
    dns.setA('files.example', '127.0.0.1');
    files.set('files.example', (res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${domain.verification.token}\n`),
    );
    expect(await verify(domain.id)).toMatchObject({ domain: { status: 'VERIFIED' }, userErrors: [] });
  });

  it('refuses a file behind a redirect to another host', async () => {
    const domain = await add('redirect.example', 'HTTPS_FILE');
    dns.setA('redirect.example', '127.0.0.1');
    files.set('redirect.example', (res) =>
      res
        .writeHead(302, { location: 'http://attacker.example/.well-known/identity-governance-verification.txt' })
        .end(),
    );
    const result = await verify(domain.id);
    expect(result.userErrors).toMatchObject([{ code: 'VERIFICATION_FAILED' }]);
    expect(result.userErrors[0].message).toMatch(/redirect/i);
    expect(result.domain!.status).toBe('UNVERIFIED');
  });

  it('moves a VERIFIED domain whose proof disappeared to MISSING_TOKEN, and back once it returns', async () => {
    const domain = await add('flaky.example');
    dns.setTxt('flaky.example', [[domain.verification.token]]);
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');
    dns.setTxt('flaky.example', undefined);
    expect((await verify(domain.id)).domain!.status).toBe('MISSING_TOKEN');
    dns.setTxt('flaky.example', [[domain.verification.token]]);
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');
  });

  it('keeps a VERIFIED, claimed domain when DNS cannot answer (SERVFAIL, REFUSED, timeout), and claims go on', async () => {
    const domain = await add('steady.example');
    dns.setTxt('steady.example', [[domain.verification.token]]);
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');
    const claimed = await app.gql<{ claimDomain: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { claimDomain(id: $id) { userErrors { code message } } }`,
      { id: domain.id },
      { token },
    );
    expect(claimed.data!.claimDomain.userErrors).toEqual([]);

    const failures: Array<[string, (broken: boolean) => void]> = [
      [
        'SERVFAIL',
        (broken) => {
          dns.setError('steady.example', broken ? 'SERVFAIL' : undefined);
        },
      ],
      [
        'REFUSED',
        (broken) => {
          dns.setError('steady.example', broken ? 'REFUSED' : undefined);
        },
      ],
      [
        'timeout',
        (broken) => {
          dns.setSilent('steady.example', broken);
        },
      ],
    ];
    for (const [name, setBroken] of failures) {
      setBroken(true);
      const result = await verify(domain.id);
      setBroken(false);
      expect({ name, code: result.userErrors[0]?.code }).toEqual({ name, code: 'VERIFICATION_FAILED' });
      expect({ name, domain: result.domain }).toMatchObject({
        name,
        domain: { status: 'VERIFIED', lastCheckError: result.userErrors[0].message },
      });
      expect(result.userErrors[0].message).toMatch(/could not be checked.*status is unchanged/i);
    }

    const organizationId = (
      await db.dataSource.query<Array<{ organization_id: string }>>(
        `SELECT organization_id FROM domain WHERE id = $1`,
        [domain.id],
      )
    )[0].organization_id;
    const account = await fixtures(db.dataSource).account(organizationId, 'late@steady.example');
    const claim = await app.gql<{ claimAccount: { userErrors: unknown[]; account: { managed: boolean } } }>(
      `mutation($id: ID!) { claimAccount(accountId: $id) { userErrors { code } account { managed } } }`,
      { id: account.id },
      { token },
    );
    expect(claim.data!.claimAccount).toEqual({ userErrors: [], account: { managed: true } });
  });

  it('demotes a VERIFIED domain when DNS answers without the token: no TXT record, or another one', async () => {
    const domain = await add('answered.example');
    dns.setTxt('answered.example', [[domain.verification.token]]);
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');
    dns.setTxt('answered.example', [['identity-governance-verification=somebody-else']]);
    expect((await verify(domain.id)).domain!.status).toBe('MISSING_TOKEN');

    dns.setTxt('answered.example', [[domain.verification.token]]);
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');
    // NODATA: the name exists (it has an address) but no TXT record.
    dns.setTxt('answered.example', undefined);
    dns.setA('answered.example', '192.0.2.1');
    expect((await verify(domain.id)).domain!.status).toBe('MISSING_TOKEN');
  });

  it('keeps a VERIFIED file-checked domain when its server cannot be reached, demotes it on a 404', async () => {
    const domain = await add('served.example', 'HTTPS_FILE');
    dns.setA('served.example', '127.0.0.1');
    files.set('served.example', (res) => res.writeHead(200).end(domain.verification.token));
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');

    files.set('served.example', (res) => res.socket?.destroy());
    const unreachable = await verify(domain.id);
    expect(unreachable.domain!.status).toBe('VERIFIED');
    expect(unreachable.userErrors[0].message).toMatch(/could not be checked/i);
    files.set('served.example', (res) => res.writeHead(503).end());
    expect((await verify(domain.id)).domain!.status).toBe('VERIFIED');

    files.set('served.example', (res) => res.writeHead(404).end());
    const gone = await verify(domain.id);
    expect(gone.userErrors[0].message).not.toMatch(/could not be checked/i);
    expect(gone.domain!.status).toBe('MISSING_TOKEN');
  });

  it('makes the older holder in another organization SUPERSEDED, and tells it in its own audit trail', async () => {
    const older = await add('contested.example', 'DNS_TXT', otherToken);
    dns.setTxt('contested.example', [[older.verification.token]]);
    expect((await verify(older.id, otherToken)).domain!.status).toBe('VERIFIED');

    const newer = await add('contested.example');
    dns.setTxt('contested.example', [[older.verification.token], [newer.verification.token]]);
    expect((await verify(newer.id)).domain!.status).toBe('VERIFIED');

    const { data } = await app.gql<{ domain: { status: string } }>(
      `{ domain(name: "contested.example") { status } }`,
      undefined,
      { token: otherToken },
    );
    expect(data!.domain.status).toBe('SUPERSEDED');
    const trail = await app.gql<{
      auditEvents: { edges: Array<{ node: { action: string; after: { status: string } } }> };
    }>(
      `query($id: ID!) { auditEvents(filter: { targetId: $id }) { edges { node { action after } } } }`,
      { id: older.id },
      { token: otherToken },
    );
    expect(trail.data!.auditEvents.edges[0].node).toMatchObject({
      action: 'domainSuperseded',
      after: { status: 'SUPERSEDED' },
    });
  });
});
