import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';

describe('governanceReport and detectConflicts', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    token = await app.token(demo.acme.organizationId);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  interface Report {
    openConflictsByKind: Array<{ kind: string; count: number }>;
    domainsByStatus: Array<{ status: string; count: number }>;
    unmanagedAccountsByDomain: Array<{ domain: { name: string }; count: number }>;
    mismatchedDirectories: Array<{ name: string }>;
    failedRecordCount: number;
    failedRecords: Array<{ userName: string; attempts: number; nextRetryAt: string | null }>;
    migrations: unknown[];
    rules: Array<{
      id: string;
      title: string;
      enforced: boolean;
      findingCount: number;
      findings: Array<{ subjectType: string; subjectId: string; message: string }>;
    }>;
  }
  const report = async () => {
    const response = await app.gql<{ governanceReport: Report }>(
      `{ governanceReport {
          openConflictsByKind { kind count }
          domainsByStatus { status count }
          unmanagedAccountsByDomain { domain { name } count }
          mismatchedDirectories { name }
          failedRecordCount failedRecords { userName attempts nextRetryAt }
          migrations { ready reason staleAccounts migration { fromDomain { name } toDomain { name } } }
          rules { id title enforced findingCount findings { subjectType subjectId message } }
      } }`,
      undefined,
      { token },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.governanceReport;
  };

  it('summarizes what waits on whom', async () => {
    const found = await report();
    expect(found.openConflictsByKind).toEqual([
      { kind: 'DUPLICATE_ACCOUNTS', count: 1 },
      { kind: 'EMAIL_TAKEN', count: 2 },
      { kind: 'MAPPING_MISMATCH', count: 1 },
      // frank on the old domain of the acmecorp.com migration, and pat, external (rule R5).
      { kind: 'STALE_EXTERNAL_ACCOUNT', count: 2 },
      { kind: 'UNMANAGED_ACCOUNT', count: 4 },
      { kind: 'UNVERIFIED_DOMAIN', count: 1 },
    ]);
    expect(found.domainsByStatus).toEqual(
      expect.arrayContaining([
        { status: 'VERIFIED', count: 3 },
        { status: 'UNVERIFIED', count: 1 },
      ]),
    );
    expect(found.unmanagedAccountsByDomain.map((entry) => [entry.domain.name, entry.count]).sort()).toEqual([
      ['acme-legacy.com', 2],
      ['acme.com', 2],
    ]);
    expect(found.mismatchedDirectories).toEqual([{ name: 'Microsoft Entra ID' }]);
    expect(found.failedRecordCount).toBe(2);
    expect(found.failedRecords.map((record) => [record.userName, record.attempts])).toEqual(
      expect.arrayContaining([
        ['alice@acme.com', 1],
        ['grace@acme-legacy.com', 6],
      ]),
    );
    expect(found.rules.map((rule) => [rule.id, rule.enforced])).toEqual([
      ['R1', true],
      ['R2', false],
      ['R3', true],
      ['R4', true],
      ['R5', false],
      ['R6', true],
      ['R7', false],
      ['R8', true],
    ]);
    const r2 = found.rules.find((rule) => rule.id === 'R2')!;
    expect(r2.findings).toEqual([
      {
        subjectType: 'Directory',
        subjectId: demo.acme.directories.entra,
        message: 'Microsoft Entra ID maps the SSO email to user.mail but the SCIM email to user.userprincipalname.',
      },
    ]);
  });

  it('cannot disagree with the mutations: what it calls claimable claims, what it does not is refused', async () => {
    const claimable = (await report()).unmanagedAccountsByDomain.map((entry) => entry.domain.name);
    const accounts = await db.dataSource.query<Array<{ id: string; email_domain: string }>>(
      `SELECT id, email_domain FROM account WHERE organization_id = $1 AND NOT managed`,
      [demo.acme.organizationId],
    );
    for (const account of accounts) {
      const { data } = await app.gql<{ claimAccount: { userErrors: Array<{ rule: string }> } }>(
        `mutation($id: ID!) { claimAccount(accountId: $id, dryRun: true) { userErrors { rule } } }`,
        { id: account.id },
        { token },
      );
      expect({ domain: account.email_domain, refused: data!.claimAccount.userErrors.length > 0 }).toEqual({
        domain: account.email_domain,
        refused: !claimable.includes(account.email_domain),
      });
    }
  });

  it('reports migration readiness with the rule R4 message the mutation refuses with, and R5 findings once started', async () => {
    const refusal = await app.gql<{ startDomainMigration: { userErrors: Array<{ message: string }> } }>(
      `mutation { startDomainMigration(fromDomain: "acme-legacy.com", toDomain: "acme.com") { userErrors { message } } }`,
      undefined,
      { token },
    );
    expect(refusal.data!.startDomainMigration.userErrors[0].message).toBe(
      'Not ready to migrate acme-legacy.com to acme.com: acme-legacy.com is not claimed.',
    );
    await app.gql(
      `mutation($id: ID!) { claimDomain(id: $id) { userErrors { code } } }`,
      { id: demo.acme.domains.legacy },
      { token },
    );
    await app.gql(
      `mutation { startDomainMigration(fromDomain: "acme-legacy.com", toDomain: "acme.com") { userErrors { code } } }`,
      undefined,
      { token },
    );
    const found = await report();
    // Newest first: the seed's acmecorp.com migration (half-ready: frank is still on it) started before.
    expect(found.migrations).toEqual([
      {
        ready: true,
        reason: null,
        staleAccounts: 2,
        migration: { fromDomain: { name: 'acme-legacy.com' }, toDomain: { name: 'acme.com' } },
      },
      {
        ready: true,
        reason: null,
        staleAccounts: 1,
        migration: { fromDomain: { name: 'acmecorp.com' }, toDomain: { name: 'acme.com' } },
      },
    ]);
    const r5 = found.rules.find((rule) => rule.id === 'R5')!;
    expect(r5.findings.map((finding) => finding.message)).toEqual([
      'dave@acme-legacy.com is on acme-legacy.com, which is being migrated to acme.com, and no identity provider backs it: review it and suspend it.',
      'erin@acme-legacy.com is on acme-legacy.com, which is being migrated to acme.com, and no identity provider backs it: review it and suspend it.',
      'frank@acmecorp.com is on acmecorp.com, which is being migrated to acme.com, and no identity provider backs it: review it and suspend it.',
      // Outside any migration (not in the migrations' staleAccounts counts above).
      'pat@northwind-agency.com is external (northwind-agency.com is not a verified domain of your organization) and no identity provider backs it: review it and suspend it.',
    ]);
  });

  describe('detectConflicts', () => {
    const detect = async () => {
      const { data, errors } = await app.gql<{
        detectConflicts: {
          openedCount: number;
          resolvedCount: number;
          opened: Array<{ kind: string }>;
          resolved: Array<{ kind: string; resolution: string }>;
        };
      }>(
        `mutation { detectConflicts { openedCount resolvedCount opened { kind } resolved { kind resolution } userErrors { code } } }`,
        undefined,
        { token },
      );
      expect(errors).toBeUndefined();
      return data!.detectConflicts;
    };

    it('finds nothing new when run again: never a second OPEN conflict for the same cause', async () => {
      await detect();
      const again = await detect();
      expect(again).toMatchObject({ openedCount: 0, resolvedCount: 0 });
      const [{ duplicates }] = await db.dataSource.query<Array<{ duplicates: number }>>(
        `SELECT count(*)::int AS duplicates FROM (SELECT 1 FROM conflict WHERE status = 'OPEN' GROUP BY organization_id, kind, cause_key HAVING count(*) > 1) d`,
      );
      expect(duplicates).toBe(0);
    });

    it('opens what changed state implies and resolves what no longer holds', async () => {
      await db.dataSource.query(`UPDATE directory SET scim_email_attribute = sso_email_attribute WHERE id = $1`, [
        demo.acme.directories.entra,
      ]);
      await db.dataSource.query(
        `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'walk-in@acme.com', 'acme.com', 'SELF_SIGNUP')`,
        [demo.acme.organizationId],
      );
      const result = await detect();
      expect(result.opened).toEqual([{ kind: 'UNMANAGED_ACCOUNT' }]);
      expect(result.resolved).toEqual([{ kind: 'MAPPING_MISMATCH', resolution: 'detectConflicts' }]);
    });

    it('leaves other organizations alone', async () => {
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM conflict WHERE organization_id = $1`,
        [demo.globex.organizationId],
      );
      expect(count).toBe(0);
    });
  });
});
