import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';

/**
 * How many statements a dismissal sends: a constant number, whether it closes one conflict or
 * fifty (one locked read, one UPDATE, one INSERT of the audit events whose trigger queues the
 * conflict.dismissed webhooks). Counts, not times; transaction control is not counted.
 */
describe('dismissing conflicts: statements per call', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let open: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('dismisscounts')).id;
    await given.domain(organizationId, 'counts.example', { verified: true, claimed: true });
    for (let i = 0; i < 56; i++) await given.account(organizationId, `user${i}@counts.example`);
    token = await app.token(organizationId, undefined, 'admin@counts.example');
    const detected = await app.gql<{ detectConflicts: { openedCount: number } }>(
      `mutation { detectConflicts { openedCount } }`,
      undefined,
      { token },
    );
    expect(detected.data!.detectConflicts.openedCount).toBe(56);
    const { data } = await app.gql<{ conflicts: { edges: Array<{ node: { id: string } }> } }>(
      `{ conflicts(filter: { status: OPEN }, first: 100) { edges { node { id } } } }`,
      undefined,
      { token },
    );
    open = data!.conflicts.edges.map((edge) => edge.node.id);
    expect(open).toHaveLength(56);
    const hook = await app.gql<{ registerWebhook: { userErrors: unknown[] } }>(
      `mutation { registerWebhook(url: "http://127.0.0.1:9/hooks", events: [CONFLICT_DISMISSED]) { userErrors { code } } }`,
      undefined,
      { token },
    );
    expect(hook.data!.registerWebhook.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  /** The tags of the statements one request sends, in order. */
  const counted = async (query: string, variables: Record<string, unknown>) => {
    db.queries.reset();
    const { data, errors } = await app.gql<Record<string, { userErrors: unknown[] }>>(query, variables, { token });
    expect(errors).toBeUndefined();
    expect(Object.values(data!)[0].userErrors).toEqual([]);
    return db.queries.tags().map((tag, i) => tag ?? db.queries.queries[i].slice(0, 40));
  };
  const dismissMany = (ids: string[]) =>
    counted(
      `mutation($ids: [ID!]!) { dismissConflicts(ids: $ids, reason: "Reviewed") { conflicts { id } userErrors { code } } }`,
      { ids },
    );

  /** Each statement's tag and how it starts: the locked read, the UPDATE, the audit INSERT. */
  const shapes = () =>
    db.queries.queries.map((query) => /^\/\* [\w:.-]+ \*\/ (select|update|insert)\b/i.exec(query)?.[1].toUpperCase());
  const count = async (sql: string) => Number((await db.dataSource.query<Array<{ n: string }>>(sql))[0].n);

  it('dismissConflict: the locked read, the UPDATE and the audit event', async () => {
    const statements = await counted(
      `mutation($id: ID!) { dismissConflict(id: $id, reason: "Reviewed") { conflict { id } userErrors { code } } }`,
      { id: open[0] },
    );
    // The same UPDATE as the bulk dismissal's (the store's one dismiss).
    expect(statements).toEqual(['dismissConflict', 'conflict:dismiss', 'dismissConflict']);
    expect(shapes()).toEqual(['SELECT', 'UPDATE', 'INSERT']);
  });

  it('dismissConflicts of 50 sends as many statements as of 5: one locked read, one UPDATE, one INSERT', async () => {
    const five = await dismissMany(open.slice(1, 6));
    const fifty = await dismissMany(open.slice(6, 56));
    expect(fifty).toEqual(['dismissConflicts', 'conflict:dismiss', 'dismissConflicts']);
    expect(five).toEqual(fifty);
    expect(shapes()).toEqual(['SELECT', 'UPDATE', 'INSERT']);
    expect(db.queries.queries[0]).toMatch(/for update$/i);

    // Still one audit event and one conflict.dismissed delivery per conflict.
    expect(await count(`SELECT count(*) AS n FROM conflict WHERE status = 'DISMISSED'`)).toBe(56);
    expect(await count(`SELECT count(*) AS n FROM audit_event WHERE action = 'dismissConflicts'`)).toBe(55);
    expect(
      await count(`SELECT count(DISTINCT payload->'data'->'target'->>'id') AS n FROM webhook_delivery
                    WHERE event_type = 'conflict.dismissed'`),
    ).toBe(56);
  });
});
