import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { seedDemo, type DemoData } from '../../src/seed/demo';
import { Scope } from '../../src/auth/scopes';

type Edge<T> = { cursor: string; node: T };
type Connection<T> = {
  totalCount: number;
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
};

describe('read API over HTTP, against the demo data', () => {
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

  const query = async <T>(text: string, variables?: Record<string, unknown>) => {
    const response = await app.gql<T>(text, variables, { token });
    expect(response.errors).toBeUndefined();
    return response.data as T;
  };
  const errorOf = async (text: string, variables?: Record<string, unknown>, withToken: string | null = token) => {
    const response = await app.gql(text, variables, { token: withToken ?? undefined });
    expect(response.errors).toHaveLength(1);
    return response.errors![0];
  };
  const accountEmails = async (filter: Record<string, unknown>) => {
    const data = await query<{ accounts: Connection<{ email: string }> }>(
      `query($filter: AccountFilter) { accounts(filter: $filter, first: 100) { totalCount edges { node { email } } } }`,
      { filter },
    );
    expect(data.accounts.totalCount).toBe(data.accounts.edges.length);
    return data.accounts.edges.map((edge) => edge.node.email);
  };

  it("answers organization with the caller's tenant", async () => {
    const data = await query<{ organization: { name: string; slug: string } }>(`{ organization { name slug } }`);
    expect(data.organization).toEqual({ name: 'Acme Corporation', slug: 'acme' });
  });

  describe('accounts', () => {
    it("lists the organization's accounts only, by email in byte order", async () => {
      const emails = await accountEmails({});
      expect(emails).toHaveLength(43);
      expect(emails).toEqual([...emails].sort());
      expect(emails.every((email) => !email.endsWith('@globex.com'))).toBe(true);
    });

    it('filters by status, origin, managed and idpManaged', async () => {
      expect(await accountEmails({ status: 'SUSPENDED' })).toEqual(['ines@acme.com']);
      expect(await accountEmails({ origin: 'SELF_SIGNUP' })).toEqual([
        'alice.smith@acme.com',
        'bob@acme.com',
        'erin@acme-legacy.com',
      ]);
      // SCIM made carol@ and grace@ on the verified acme-legacy.com managed; contractor@ is on unverified acme.dev.
      expect(await accountEmails({ managed: false })).toEqual([
        'alice.smith@acme.com',
        'bob@acme.com',
        'contractor@acme.dev',
        'dave@acme-legacy.com',
        'erin@acme-legacy.com',
        'pat@northwind-agency.com',
      ]);
      expect(await accountEmails({ idpManaged: false })).toEqual([
        'alice.smith@acme.com',
        'bob@acme.com',
        'dave@acme-legacy.com',
        'erin@acme-legacy.com',
        'frank@acmecorp.com',
        'henry@acme.com',
        'ines@acme.com',
        'pat@northwind-agency.com',
      ]);
      expect(await accountEmails({ idpManaged: true, domain: 'acme-legacy.com' })).toEqual([
        'carol@acme-legacy.com',
        'grace@acme-legacy.com',
      ]);
    });

    it('filters by domain in any case, with or without a trailing dot', async () => {
      const expected = [
        'carol@acme-legacy.com',
        'dave@acme-legacy.com',
        'erin@acme-legacy.com',
        'grace@acme-legacy.com',
      ];
      expect(await accountEmails({ domain: 'acme-legacy.com' })).toEqual(expected);
      expect(await accountEmails({ domain: 'ACME-Legacy.com.' })).toEqual(expected);
      expect(await accountEmails({ domain: 'nobody.example' })).toEqual([]);
    });

    it('filters by email prefix case-insensitively, with LIKE wildcards taken literally', async () => {
      expect(await accountEmails({ emailPrefix: 'ALI' })).toEqual(['alice.smith@acme.com', 'alice@acme.com']);
      expect(await accountEmails({ emailPrefix: 'alice@' })).toEqual(['alice@acme.com']);
      expect(await accountEmails({ emailPrefix: 'a_' })).toEqual([]);
      expect(await accountEmails({ emailPrefix: '%' })).toEqual([]);
    });

    it('finds one by id (null when unknown or not an id) and by email in any case', async () => {
      const data = await query<Record<string, { email: string } | null>>(
        `query($id: ID!, $unknown: ID!) {
          byId: account(id: $id) { email }
          unknown: account(id: $unknown) { email }
          garbage: account(id: "not-a-uuid") { email }
          byEmail: accountByEmail(email: "  Alice.SMITH@acme.COM ") { email }
          missing: accountByEmail(email: "nobody@acme.com") { email }
        }`,
        { id: demo.acme.accounts.bob, unknown: '00000000-0000-4000-8000-000000000000' },
      );
      expect(data).toEqual({
        byId: { email: 'bob@acme.com' },
        unknown: null,
        garbage: null,
        byEmail: { email: 'alice.smith@acme.com' },
        missing: null,
      });
    });

    it('navigates to domain, SCIM records, conflicts and email history', async () => {
      const data = await query<{ account: Record<string, unknown> }>(
        `query($id: ID!) { account(id: $id) {
            email idpManaged domain { name claimed }
            scimRecords { userName syncStatus directory { name } }
            conflicts { kind status } open: conflicts(status: OPEN) { kind }
          } henry: accountByEmail(email: "henry@acme.com") { emailHistory { previousEmail newEmail action } } }`,
        { id: demo.acme.accounts.alice },
      );
      expect(data.account).toEqual({
        email: 'alice@acme.com',
        idpManaged: true,
        domain: { name: 'acme.com', claimed: true },
        scimRecords: [{ userName: 'alice@acme.com', syncStatus: 'FAILED', directory: { name: 'Okta' } }],
        conflicts: [{ kind: 'EMAIL_TAKEN', status: 'OPEN' }],
        open: [{ kind: 'EMAIL_TAKEN' }],
      });
      expect((data as Record<string, unknown>).henry).toEqual({
        emailHistory: [{ previousEmail: 'hank@acme.com', newEmail: 'henry@acme.com', action: 'renameAccountEmail' }],
      });
    });
  });

  describe('pagination', () => {
    const page = (first: number | null, after?: string | null, filter?: Record<string, unknown>) =>
      app.gql<{ accounts: Connection<{ email: string }> }>(
        `query($first: Int, $after: String, $filter: AccountFilter) {
          accounts(first: $first, after: $after, filter: $filter) {
            totalCount edges { cursor node { email } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }`,
        { first, after, filter },
        { token },
      );

    it('walks every account exactly once, in order, with keyset cursors', async () => {
      const all = await accountEmails({});
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const { data } = await page(7, after);
        seen.push(...data!.accounts.edges.map((edge) => edge.node.email));
        expect(data!.accounts.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!data!.accounts.pageInfo.hasNextPage) break;
        after = data!.accounts.pageInfo.endCursor;
      }
      expect(seen).toEqual(all);
    });

    it('defaults to 20 per page', async () => {
      const { data } = await page(null);
      expect(data!.accounts.edges).toHaveLength(20);
      expect(data!.accounts.pageInfo.hasNextPage).toBe(true);
    });

    it('returns an empty list with no cursors and no next page', async () => {
      const { data } = await page(10, null, { emailPrefix: 'zzz' });
      expect(data!.accounts).toEqual({
        totalCount: 0,
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    });

    it('says there is no next page when the page is exactly full', async () => {
      const { data } = await page(3, null, { origin: 'SELF_SIGNUP' });
      expect(data!.accounts.edges).toHaveLength(3);
      expect(data!.accounts.pageInfo.hasNextPage).toBe(false);
    });

    it('ends with a short last page', async () => {
      const first = await page(2, null, { origin: 'SELF_SIGNUP' });
      const last = await page(2, first.data!.accounts.pageInfo.endCursor, { origin: 'SELF_SIGNUP' });
      expect(last.data!.accounts.edges.map((edge) => edge.node.email)).toEqual(['erin@acme-legacy.com']);
      expect(last.data!.accounts.pageInfo.hasNextPage).toBe(false);
    });

    it('answers first: 0 with the count and no rows', async () => {
      const { data } = await page(0);
      expect(data!.accounts.totalCount).toBe(43);
      expect(data!.accounts.edges).toEqual([]);
    });

    it('refuses first above the maximum of 100, or negative, with BAD_USER_INPUT', async () => {
      for (const first of [101, -1]) {
        const { errors } = await page(first);
        expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
      }
    });

    it('refuses forged cursors and cursors of another list with BAD_USER_INPUT, never a 500', async () => {
      const conflictCursor = (
        await query<{ conflicts: Connection<unknown> }>(`{ conflicts(first: 1) { pageInfo { endCursor } } }`)
      ).conflicts.pageInfo.endCursor;
      const forged = [
        'garbage',
        '',
        Buffer.from('["accounts","x"]').toString('base64url'),
        Buffer.from(`["accounts","a@b.c","' OR 1=1 --"]`).toString('base64url'),
        Buffer.from('{"accounts":1}').toString('base64url'),
        conflictCursor!,
      ];
      for (const after of forged) {
        const { status, errors } = await page(5, after);
        expect(status).toBeLessThan(500);
        if (after === '') continue; // an empty cursor means "from the start"
        expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
      }
    });

    it('continues after a cursor whose row has since been deleted', async () => {
      const first = await page(2, null, { origin: 'SELF_SIGNUP' });
      const stale = first.data!.accounts.pageInfo.endCursor; // bob@acme.com
      await db.dataSource.query(`DELETE FROM account WHERE email = 'bob@acme.com'`);
      try {
        const next = await page(5, stale, { origin: 'SELF_SIGNUP' });
        expect(next.data!.accounts.edges.map((edge) => edge.node.email)).toEqual(['erin@acme-legacy.com']);
      } finally {
        await db.dataSource.query(
          `INSERT INTO account (id, organization_id, email, email_domain, origin, display_name) VALUES ($1, $2, 'bob@acme.com', 'acme.com', 'SELF_SIGNUP', 'Bob Martin')`,
          [demo.acme.accounts.bob, demo.acme.organizationId],
        );
        await db.dataSource.query(`UPDATE conflict SET account_id = $1 WHERE id = $2`, [
          demo.acme.accounts.bob,
          demo.acme.conflicts.unmanagedBob,
        ]);
      }
    });
  });

  describe('domains and directories', () => {
    it('lists domains by name and finds one by name in any form', async () => {
      const data = await query<Record<string, unknown>>(
        `{ domains { name status claimed } verified: domains(status: VERIFIED) { name }
           upper: domain(name: "ACME-LEGACY.COM.") { name status claimed }
           missing: domain(name: "nope.example") { name } }`,
      );
      expect(data.domains).toEqual([
        { name: 'acme-legacy.com', status: 'VERIFIED', claimed: false },
        { name: 'acme.com', status: 'VERIFIED', claimed: true },
        { name: 'acme.dev', status: 'UNVERIFIED', claimed: false },
        { name: 'acmecorp.com', status: 'VERIFIED', claimed: true },
      ]);
      expect(data.verified).toEqual([{ name: 'acme-legacy.com' }, { name: 'acme.com' }, { name: 'acmecorp.com' }]);
      expect(data.upper).toEqual({ name: 'acme-legacy.com', status: 'VERIFIED', claimed: false });
      expect(data.missing).toBeNull();
    });

    it("pages through a domain's accounts", async () => {
      const data = await query<{ domain: { accounts: Connection<{ email: string }> } }>(
        `{ domain(name: "acme-legacy.com") { accounts(first: 3, filter: { origin: SCIM }) { totalCount edges { node { email } } pageInfo { hasNextPage } } } }`,
      );
      expect(data.domain.accounts.totalCount).toBe(2);
      expect(data.domain.accounts.edges.map((edge) => edge.node.email)).toEqual([
        'carol@acme-legacy.com',
        'grace@acme-legacy.com',
      ]);
    });

    it('lists directories with their mapping consistency and SCIM path', async () => {
      const data = await query<{ directories: Array<{ conflicts: Array<{ kind: string }> }> }>(
        `{ directories { name provider mappingConsistent scimBasePath conflicts(status: OPEN) { kind } } }`,
      );
      const kinds = (i: number) => data.directories[i].conflicts.map((conflict) => conflict.kind).sort();
      expect(data.directories.map(({ conflicts, ...directory }) => directory)).toEqual([
        {
          name: 'Microsoft Entra ID',
          provider: 'ENTRA_ID',
          mappingConsistent: false,
          scimBasePath: `/scim/directory/${demo.acme.directories.entra}`,
        },
        {
          name: 'Okta',
          provider: 'OKTA',
          mappingConsistent: true,
          scimBasePath: `/scim/directory/${demo.acme.directories.okta}`,
        },
      ]);
      expect([kinds(0), kinds(1)]).toEqual([
        ['EMAIL_TAKEN', 'MAPPING_MISMATCH'],
        ['EMAIL_TAKEN', 'UNVERIFIED_DOMAIN'],
      ]);
    });
  });

  describe('SCIM records', () => {
    const records = async (filter: Record<string, unknown>) =>
      (
        await query<{ scimRecords: Connection<{ userName: string }> }>(
          `query($filter: ScimRecordFilter) { scimRecords(filter: $filter, first: 100) { totalCount edges { node { userName } } } }`,
          { filter },
        )
      ).scimRecords;

    it('filters by sync status, directory, userName and externalId', async () => {
      const failed = await records({ syncStatus: 'FAILED' });
      expect(failed.edges.map((edge) => edge.node.userName).sort()).toEqual([
        'alice@acme.com',
        'grace@acme-legacy.com',
      ]);
      expect((await records({ directoryId: demo.acme.directories.entra })).totalCount).toBe(2);
      expect((await records({ directoryId: demo.acme.directories.okta })).totalCount).toBe(33);
      expect((await records({ directoryId: demo.globex.directoryId })).totalCount).toBe(0);
      expect((await records({ directoryId: 'not-an-id' })).totalCount).toBe(0);
      expect((await records({ userName: 'ALICE@acme.com' })).edges).toEqual([{ node: { userName: 'alice@acme.com' } }]);
      expect((await records({ externalId: 'e1-carol' })).edges).toEqual([
        { node: { userName: 'carol@acme-legacy.com' } },
      ]);
    });

    it('navigates a record to its directory, account, conflicts and push history', async () => {
      const data = await query<{ scimRecord: Record<string, unknown> }>(
        `query($id: ID!) { scimRecord(id: $id) {
            userName email syncStatus attempts lastError directory { name } account { email }
            conflicts(status: OPEN) { kind } pushHistory { operation outcome httpStatus }
        } }`,
        { id: demo.acme.records.alice },
      );
      expect(data.scimRecord).toEqual({
        userName: 'alice@acme.com',
        email: 'alice.smith@acme.com',
        syncStatus: 'FAILED',
        attempts: 1,
        lastError: 'Resource [USER]: with email[alice.smith@acme.com] already exists.',
        directory: { name: 'Okta' },
        account: { email: 'alice@acme.com' },
        conflicts: [{ kind: 'EMAIL_TAKEN' }],
        pushHistory: [
          { operation: 'REPLACE', outcome: 'CONFLICT', httpStatus: 409 },
          { operation: 'CREATE', outcome: 'APPLIED', httpStatus: 201 },
        ],
      });
    });
  });

  describe('conflicts', () => {
    const conflictKinds = async (filter: Record<string, unknown>) =>
      (
        await query<{ conflicts: Connection<{ kind: string }> }>(
          `query($filter: ConflictFilter) { conflicts(filter: $filter, first: 100) { totalCount edges { node { kind } } } }`,
          { filter },
        )
      ).conflicts.edges
        .map((edge) => edge.node.kind)
        .sort();

    it('filters by kind, status and directory', async () => {
      expect(await conflictKinds({ status: 'OPEN' })).toEqual([
        'DUPLICATE_ACCOUNTS',
        'EMAIL_TAKEN',
        'EMAIL_TAKEN',
        'MAPPING_MISMATCH',
        'STALE_EXTERNAL_ACCOUNT',
        'STALE_EXTERNAL_ACCOUNT',
        'UNMANAGED_ACCOUNT',
        'UNMANAGED_ACCOUNT',
        'UNMANAGED_ACCOUNT',
        'UNMANAGED_ACCOUNT',
        'UNVERIFIED_DOMAIN',
      ]);
      expect(await conflictKinds({ status: 'RESOLVED' })).toEqual([]);
      expect(await conflictKinds({ kind: 'UNMANAGED_ACCOUNT' })).toHaveLength(4);
      expect(await conflictKinds({ directoryId: demo.acme.directories.entra })).toEqual([
        'EMAIL_TAKEN',
        'MAPPING_MISMATCH',
      ]);
      expect(await conflictKinds({ kind: 'EMAIL_TAKEN', directoryId: demo.acme.directories.okta })).toEqual([
        'EMAIL_TAKEN',
      ]);
    });

    it('drills down from a conflict to both accounts, the record and the directory', async () => {
      const data = await query<{ conflict: Record<string, unknown> }>(
        `query($id: ID!) { conflict(id: $id) {
            kind status email account { email } conflictingAccount { email origin managed }
            scimRecord { userName syncStatus } directory { name } domain { name }
        } }`,
        { id: demo.acme.conflicts.emailTaken },
      );
      expect(data.conflict).toEqual({
        kind: 'EMAIL_TAKEN',
        status: 'OPEN',
        email: 'alice.smith@acme.com',
        account: { email: 'alice@acme.com' },
        conflictingAccount: { email: 'alice.smith@acme.com', origin: 'SELF_SIGNUP', managed: false },
        scimRecord: { userName: 'alice@acme.com', syncStatus: 'FAILED' },
        directory: { name: 'Okta' },
        domain: { name: 'acme.com' },
      });
    });

    it('pages newest first', async () => {
      const first = await query<{ conflicts: Connection<{ detectedAt: string }> }>(
        `{ conflicts(first: 5) { edges { node { detectedAt } } pageInfo { endCursor } } }`,
      );
      const rest = await query<{ conflicts: Connection<{ detectedAt: string }> }>(
        `query($after: String) { conflicts(first: 6, after: $after) { edges { node { detectedAt } } pageInfo { hasNextPage } } }`,
        { after: first.conflicts.pageInfo.endCursor },
      );
      const times = [...first.conflicts.edges, ...rest.conflicts.edges].map((edge) => Date.parse(edge.node.detectedAt));
      expect(times).toHaveLength(11);
      expect(rest.conflicts.pageInfo.hasNextPage).toBe(false);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('batches every relation of a whole page: one query per relation, not one per row', async () => {
      db.queries.reset();
      await query(
        `{ conflicts(first: 50, filter: { status: OPEN }) { totalCount edges { node {
            account { email domain { name } scimRecords { userName } }
            conflictingAccount { email emailHistory { previousEmail } }
            scimRecord { userName directory { name } }
            directory { name } domain { name }
        } } } }`,
      );
      const tags = db.queries.tags().map((tag, i) => tag ?? db.queries.queries[i].slice(0, 40));
      const perTag = tags.reduce<Record<string, number>>(
        (counts, tag) => ({ ...counts, [tag]: (counts[tag] ?? 0) + 1 }),
        {},
      );
      // The list with its direct relations (planned from the selection) and its count, then one
      // query per deeper relation for all 6 rows (the records' directories come from the primed cache).
      expect(perTag).toEqual({
        conflicts: 1,
        'conflicts:count': 1,
        'loader:domainByName': 1,
        'loader:scimRecordsByAccount': 1,
        'loader:emailHistoryByAccount': 1,
      });
    });
  });

  describe('audit events', () => {
    beforeAll(async () => {
      await db.dataSource.query(
        `INSERT INTO audit_event (organization_id, actor, action, target_type, target_id, request_id, before, after)
         VALUES ($1, 'admin', 'renameAccountEmail', 'Account', $2, 'req-1', '{"email":"bob@acme.com"}', '{"email":"bob+duplicated@acme.com"}'),
                ($1, 'script', 'resyncScimRecord', 'ScimRecord', $3, 'req-2', NULL, NULL),
                ($4, 'admin', 'renameAccountEmail', 'Account', $5, 'req-3', NULL, NULL)`,
        [
          demo.acme.organizationId,
          demo.acme.accounts.bob,
          demo.acme.records.alice,
          demo.globex.organizationId,
          demo.globex.accountIds[0],
        ],
      );
    });

    const events = async (filter: Record<string, unknown>) =>
      (
        await query<{ auditEvents: Connection<{ action: string; actor: string; before: unknown }> }>(
          `query($filter: AuditEventFilter) { auditEvents(filter: $filter) { totalCount edges { node { action actor before } } } }`,
          { filter },
        )
      ).auditEvents;

    it("lists the organization's trail newest first and filters it", async () => {
      const all = await events({});
      expect(all.edges.slice(0, 2).map((edge) => edge.node.action)).toEqual(['resyncScimRecord', 'renameAccountEmail']);
      expect(all.totalCount).toBeGreaterThan(30); // the seed's pushes, retries and rescan are in the trail too
      expect((await events({ actor: 'admin' })).edges).toEqual([
        { node: { action: 'renameAccountEmail', actor: 'admin', before: { email: 'bob@acme.com' } } },
      ]);
      expect((await events({ actor: 'script' })).totalCount).toBe(1);
      expect((await events({ action: 'resyncScimRecord', actor: 'system:retry' })).totalCount).toBe(5);
      expect((await events({ targetId: demo.acme.accounts.bob })).totalCount).toBe(1);
      expect((await events({ requestId: 'req-3' })).totalCount).toBe(0);
    });

    it('needs the audit:read scope', async () => {
      const readOnly = await app.token(demo.acme.organizationId, [Scope.READ]);
      const error = await errorOf(`{ auditEvents { totalCount } }`, undefined, readOnly);
      expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'audit:read' });
    });
  });

  describe('access', () => {
    it('refuses a request without a token, or with a bad one, as UNAUTHENTICATED', async () => {
      expect((await errorOf(`{ accounts { totalCount } }`, undefined, null)).extensions?.code).toBe('UNAUTHENTICATED');
      const bad = await errorOf(`{ accounts { totalCount } }`, undefined, `${token}x`);
      expect(bad.extensions?.code).toBe('UNAUTHENTICATED');
      expect(bad.message).not.toContain(token);
    });

    it('shows another organization nothing of this one', async () => {
      const globex = await app.token(demo.globex.organizationId);
      const response = await app.gql(
        `query($id: ID!) { account(id: $id) { email } accounts { totalCount } conflicts { totalCount } domain(name: "acme.com") { name } }`,
        { id: demo.acme.accounts.alice },
        { token: globex },
      );
      expect(response.data).toEqual({
        account: null,
        accounts: { totalCount: 3 },
        conflicts: { totalCount: 0 },
        domain: null,
      });
    });
  });
});
