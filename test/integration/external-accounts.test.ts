import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient } from '../support/scim-client';

interface StaleConflict {
  id: string;
  status: string;
  resolution: string | null;
  summary: string;
  account: { id: string; email: string };
  domain: { name: string } | null;
  remediation: Array<{
    position: number;
    action: string;
    automated: boolean;
    arguments: Record<string, unknown>;
    description: string;
    done: boolean;
  }>;
}

const STALE = `id status resolution summary account { id email } domain { name }
  remediation { position action automated arguments description done }`;

const externalSummary = (email: string) =>
  `${email} is external (${email.split('@')[1]} is not a verified domain of your organization) and no identity provider backs it: review it and suspend it.`;

/**
 * Rule R5 outside migrations, over HTTP: an active account that no SCIM record backs, on a domain
 * that is not a verified domain of the organization, is external. The rescan opens its
 * STALE_EXTERNAL_ACCOUNT, the governance report lists it, and following its remediation (suspend)
 * or verifying its domain resolves it at once.
 */
describe('external accounts (rule R5): the finding, its remediation and the rescan', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dns: TestDnsServer;
  let token: string;
  const ids: Record<string, string> = {};

  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(query, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const rescan = async () =>
    (
      await gql<{
        detectConflicts: { opened: Array<{ kind: string; account: { email: string } | null }>; resolvedCount: number };
      }>(`mutation { detectConflicts { opened { kind account { email } } resolvedCount } }`)
    ).detectConflicts;
  const stale = async (status = 'OPEN') =>
    (
      await gql<{ conflicts: { edges: Array<{ node: StaleConflict }> } }>(
        `query($status: ConflictStatus) { conflicts(filter: { kind: STALE_EXTERNAL_ACCOUNT, status: $status }, first: 50) { edges { node { ${STALE} } } } }`,
        { status },
      )
    ).conflicts.edges
      .map((edge) => edge.node)
      .sort((a, b) => a.account.email.localeCompare(b.account.email));

  beforeAll(async () => {
    db = await createTestDatabase();
    dns = await startDnsServer();
    app = await startTestServer(db.dataSource, { domainCheck: { dnsServers: [dns.address], timeoutMs: 700 } });
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('ext')).id;
    token = await app.token(organizationId, undefined, 'admin@corp.example');
    await given.domain(organizationId, 'corp.example', { verified: true, claimed: true });
    // Asserted, not verified yet.
    await given.domain(organizationId, 'agency.example');
    // A migration old.example -> new.example, both verified and claimed (rule R4), for the last test.
    await given.domain(organizationId, 'old.example', { verified: true, claimed: true });
    await given.domain(organizationId, 'new.example', { verified: true, claimed: true });
    // Another organization verified rival.example: our account there is rule R8's, not R5's.
    const rival = (await given.organization('rival')).id;
    await given.domain(rival, 'rival.example', { verified: true, claimed: true });
    for (const email of [
      'ana@corp.example',
      'cid@agency.example',
      'dee@gmail.example',
      'sue@gmail.example',
      'rob@rival.example',
    ]) {
      ids[email] = (await given.account(organizationId, email, { managed: email.endsWith('@corp.example') })).id;
    }
    // Backed: an identity provider pushes sam, on a domain we have not verified either.
    const directory = await given.directory(organizationId, 'Okta');
    const okta = scimClient(app.url, directory.id, directory.token);
    const pushed = await okta.post('/Users', {
      schemas: [SCIM.user],
      externalId: 's1',
      userName: 'sam@gmail.example',
      emails: [{ value: 'sam@gmail.example', primary: true, type: 'work' }],
      active: true,
    });
    expect(pushed.status).toBe(201);
    // Suspended before anyone looks: not flagged.
    const suspended = await gql<{ suspendAccount: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { suspendAccount(id: $id, reason: "Left") { userErrors { code } } }`,
      { id: ids['sue@gmail.example'] },
    );
    expect(suspended.suspendAccount.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await app.stop();
    await dns.close();
    await db.drop();
  });

  it('opens STALE_EXTERNAL_ACCOUNT for active unbacked accounts off the verified domains, outside any migration', async () => {
    const opened = await rescan();
    expect(
      opened.opened
        .filter((conflict) => conflict.kind === 'STALE_EXTERNAL_ACCOUNT')
        .map((conflict) => conflict.account!.email)
        .sort(),
    ).toEqual(['cid@agency.example', 'dee@gmail.example']);
    // rob's address belongs to the organization that verified rival.example: rule R8 says so, once.
    expect(opened.opened.filter((conflict) => conflict.account?.email === 'rob@rival.example')).toEqual([
      { kind: 'DOMAIN_OWNED_ELSEWHERE', account: { email: 'rob@rival.example' } },
    ]);

    const [cid, dee] = await stale();
    expect(cid).toMatchObject({
      summary: externalSummary('cid@agency.example'),
      domain: null,
      remediation: [
        {
          position: 1,
          action: 'suspendAccount',
          automated: true,
          arguments: {
            id: ids['cid@agency.example'],
            reason:
              'External account: not on a verified domain of the organization, and no identity provider backs it.',
          },
          done: false,
        },
      ],
    });
    expect(cid.remediation[0].description).toContain('verifyDomain agency.example, then claimAccount');
    expect(dee).toMatchObject({
      summary: externalSummary('dee@gmail.example'),
      domain: null,
      remediation: [{ position: 1, action: 'suspendAccount', automated: true }],
    });
    expect(dee.remediation[0].description).toContain('addDomain gmail.example, verifyDomain it');
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });
  });

  it('lists them under R5 in the governance report, and not as any migration stale accounts', async () => {
    const { governanceReport } = await gql<{
      governanceReport: {
        migrations: unknown[];
        rules: Array<{
          id: string;
          description: string;
          findings: Array<{ subjectType: string; subjectId: string; message: string }>;
        }>;
      };
    }>(
      `{ governanceReport { migrations { staleAccounts } rules { id description findings { subjectType subjectId message } } } }`,
    );
    expect(governanceReport.migrations).toEqual([]);
    const r5 = governanceReport.rules.find((rule) => rule.id === 'R5')!;
    expect(r5.description).toContain('external: its domain is not a verified domain of the organization');
    expect(r5.findings).toEqual([
      { subjectType: 'Account', subjectId: ids['cid@agency.example'], message: externalSummary('cid@agency.example') },
      { subjectType: 'Account', subjectId: ids['dee@gmail.example'], message: externalSummary('dee@gmail.example') },
    ]);
  });

  it('resolves at once when its step is followed (suspendAccounts), and opens again when the account is restored', async () => {
    const done = await gql<{ suspendAccounts: { userErrors: unknown[] } }>(
      `mutation($ids: [ID!]!) { suspendAccounts(ids: $ids, reason: "External: quarterly review") { userErrors { code } } }`,
      { ids: [ids['dee@gmail.example']] },
    );
    expect(done.suspendAccounts.userErrors).toEqual([]);
    expect((await stale()).map((conflict) => conflict.account.email)).toEqual(['cid@agency.example']);
    expect((await stale('RESOLVED')).map((c) => [c.account.email, c.resolution])).toEqual([
      ['dee@gmail.example', 'suspendAccounts'],
    ]);
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });

    await gql(`mutation($id: ID!) { restoreAccount(id: $id) { userErrors { code } } }`, {
      id: ids['dee@gmail.example'],
    });
    expect((await stale()).map((conflict) => conflict.account.email)).toEqual([
      'cid@agency.example',
      'dee@gmail.example',
    ]);
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });
  });

  it('resolves at once when the organization verifies and claims the domain instead, keeping the account', async () => {
    const { domain } = await gql<{ domain: { id: string; verification: { token: string } } }>(
      `{ domain(name: "agency.example") { id verification { token } } }`,
    );
    dns.setTxt('agency.example', [[domain.verification.token]]);
    const verified = await gql<{ verifyDomain: { domain: { status: string }; userErrors: unknown[] } }>(
      `mutation($id: ID!) { verifyDomain(id: $id) { domain { status } userErrors { code } } }`,
      { id: domain.id },
    );
    expect(verified.verifyDomain).toEqual({ domain: { status: 'VERIFIED' }, userErrors: [] });
    expect((await stale()).map((conflict) => conflict.account.email)).toEqual(['dee@gmail.example']);
    expect(
      (await stale('RESOLVED')).filter((c) => c.account.email === 'cid@agency.example').map((c) => c.resolution),
    ).toEqual(['verifyDomain']);

    const claimed = await gql<{ claimDomain: { userErrors: unknown[] } }>(
      `mutation($id: ID!) { claimDomain(id: $id) { userErrors { code } } }`,
      { id: domain.id },
    );
    expect(claimed.claimDomain.userErrors).toEqual([]);
    const { account } = await gql<{
      account: { managed: boolean; status: string; conflicts: Array<{ kind: string }> };
    }>(`query($id: ID!) { account(id: $id) { managed status conflicts(status: OPEN) { kind } } }`, {
      id: ids['cid@agency.example'],
    });
    expect(account).toEqual({ managed: true, status: 'ACTIVE', conflicts: [] });
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });
  });

  it("rewords the conflict when a rename moves the account onto a migration's old domain or off it to an external one", async () => {
    const started = await gql<{ startDomainMigration: { migration: { id: string }; userErrors: unknown[] } }>(
      `mutation { startDomainMigration(fromDomain: "old.example", toDomain: "new.example") { migration { id } userErrors { code } } }`,
    );
    expect(started.startDomainMigration.userErrors).toEqual([]);
    const rename = async (email: string) =>
      (
        await gql<{ renameAccountEmail: { userErrors: unknown[] } }>(
          `mutation($id: ID!, $email: String!) { renameAccountEmail(accountId: $id, newEmail: $email) { userErrors { code } } }`,
          { id: ids['dee@gmail.example'], email },
        )
      ).renameAccountEmail.userErrors;
    const dee = async () => (await stale()).filter((conflict) => conflict.account.id === ids['dee@gmail.example']);

    expect(await rename('dee@old.example')).toEqual([]);
    expect(await dee()).toMatchObject([
      {
        summary:
          'dee@old.example is on old.example, which is being migrated to new.example, and no identity provider backs it: review it and suspend it.',
        domain: { name: 'old.example' },
        remediation: [
          {
            action: 'suspendAccount',
            arguments: {
              id: ids['dee@gmail.example'],
              reason: 'No identity provider backs this account after the domain migration.',
            },
          },
        ],
      },
    ]);
    expect(await rename('dee@elsewhere.example')).toEqual([]);
    expect(await dee()).toMatchObject([
      {
        summary: externalSummary('dee@elsewhere.example'),
        domain: null,
        remediation: [
          {
            action: 'suspendAccount',
            arguments: {
              reason:
                'External account: not on a verified domain of the organization, and no identity provider backs it.',
            },
          },
        ],
      },
    ]);
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });

    // Off the old domain, dee no longer holds the migration back.
    const completed = await gql<{ completeDomainMigration: { userErrors: Array<{ field: string }> } }>(
      `mutation($id: ID!) { completeDomainMigration(id: $id) { userErrors { field } } }`,
      { id: started.startDomainMigration.migration.id },
    );
    expect(completed.completeDomainMigration.userErrors).toEqual([]);
    expect(await rescan()).toEqual({ opened: [], resolvedCount: 0 });
  });
});
