import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { seedDemo, type DemoData } from '../../src/seed/demo';

interface UserErrors {
  userErrors: Array<{ code: string; field: string | null; rule: string | null; message: string }>;
}
interface MigrationPayload extends UserErrors {
  migration: { id: string; status: string; completedAt: string | null; version: number } | null;
  staleAccounts: Array<{ email: string }>;
  dryRun: boolean;
  replayed: boolean;
  change: { action: string; targetType: string; before: unknown; after: unknown } | null;
}

const PAYLOAD = `migration { id status completedAt version } staleAccounts { email }
  userErrors { code field rule message } dryRun replayed change { action targetType before after }`;

describe('domain migrations end: completed when ready, or cancelled', () => {
  let db: TestDatabase;
  let app: TestServer;
  let demo: DemoData;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    token = await app.token(demo.acme.organizationId, undefined, 'admin@acme.com');
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const end = async (
    mutation: 'completeDomainMigration' | 'cancelDomainMigration',
    id: string,
    options = '',
    as = token,
  ): Promise<MigrationPayload> => {
    const { data, errors } = await app.gql<Record<string, MigrationPayload>>(
      `mutation($id: ID!) { ${mutation}(id: $id${options}) { ${PAYLOAD} } }`,
      { id },
      { token: as },
    );
    expect(errors).toBeUndefined();
    return data![mutation];
  };
  const start = async (fromDomain: string, toDomain: string, as = token) => {
    const { data, errors } = await app.gql<{ startDomainMigration: MigrationPayload }>(
      `mutation($from: String!, $to: String!) { startDomainMigration(fromDomain: $from, toDomain: $to) { ${PAYLOAD} } }`,
      { from: fromDomain, to: toDomain },
      { token: as },
    );
    expect(errors).toBeUndefined();
    return data!.startDomainMigration;
  };

  it('the seed holds a half-ready migration, as README says', async () => {
    const { data } = await app.gql<{ domainMigrations: unknown[] }>(
      `{ domainMigrations { id status fromDomain { name } toDomain { name } staleAccounts { email } } }`,
      undefined,
      { token },
    );
    expect(data!.domainMigrations).toEqual([
      {
        id: demo.acme.migration,
        status: 'IN_PROGRESS',
        fromDomain: { name: 'acmecorp.com' },
        toDomain: { name: 'acme.com' },
        staleAccounts: [{ email: 'frank@acmecorp.com' }],
      },
    ]);
  });

  it('refuses to complete while something is missing, one userError per missing thing, each with its field', async () => {
    const refused = await end('completeDomainMigration', demo.acme.migration, ', dryRun: true');
    expect(refused).toMatchObject({
      migration: { id: demo.acme.migration, status: 'IN_PROGRESS', completedAt: null },
      staleAccounts: [{ email: 'frank@acmecorp.com' }],
      change: null,
      userErrors: [
        {
          code: 'MIGRATION_NOT_READY',
          field: 'staleAccounts',
          rule: 'R5',
          message:
            '1 active account(s) on acmecorp.com that no identity provider backs: frank@acmecorp.com. Suspend or deactivate them, or move them to acme.com.',
        },
        {
          code: 'MIGRATION_NOT_READY',
          field: 'conflicts',
          rule: 'R5',
          message:
            '1 open STALE_EXTERNAL_ACCOUNT conflict(s) of this migration: frank@acmecorp.com. Resolve or dismiss them.',
        },
      ],
    });
  });

  it('completes once the stale account is suspended: COMPLETED, audited, repeat-safe with a key', async () => {
    // The bulk suspension resolves the stale account's conflict as suspendAccount does.
    const { data } = await app.gql<{ suspendAccounts: UserErrors }>(
      `mutation($ids: [ID!]!) { suspendAccounts(ids: $ids, reason: "Left before the rebrand") { userErrors { code } } }`,
      { ids: [demo.acme.accounts.frank] },
      { token },
    );
    expect(data!.suspendAccounts.userErrors).toEqual([]);

    const dry = await end('completeDomainMigration', demo.acme.migration, ', dryRun: true');
    expect(dry).toMatchObject({ userErrors: [], dryRun: true, migration: { status: 'COMPLETED' } });
    const completed = await end('completeDomainMigration', demo.acme.migration, ', idempotencyKey: "complete-1"');
    expect(completed).toMatchObject({
      userErrors: [],
      dryRun: false,
      replayed: false,
      staleAccounts: [],
      migration: { id: demo.acme.migration, status: 'COMPLETED', version: 2 },
      change: {
        action: 'completeDomainMigration',
        targetType: 'DomainMigration',
        before: { from: 'acmecorp.com', to: 'acme.com', status: 'IN_PROGRESS' },
        after: { from: 'acmecorp.com', to: 'acme.com', status: 'COMPLETED' },
      },
    });
    expect(completed.migration!.completedAt).not.toBeNull();
    const replay = await end('completeDomainMigration', demo.acme.migration, ', idempotencyKey: "complete-1"');
    expect(replay).toMatchObject({ replayed: true, userErrors: [], migration: { status: 'COMPLETED' } });

    const again = await end('completeDomainMigration', demo.acme.migration);
    expect(again.userErrors).toMatchObject([{ code: 'MIGRATION_ENDED', field: 'id' }]);
    expect(await end('cancelDomainMigration', demo.acme.migration)).toMatchObject({
      userErrors: [{ code: 'MIGRATION_ENDED', field: 'id' }],
    });

    const { data: trail } = await app.gql<{ auditEvents: { edges: Array<{ node: { action: string } }> } }>(
      `query($id: ID!) { auditEvents(filter: { targetId: $id }) { edges { node { action } } } }`,
      { id: demo.acme.migration },
      { token },
    );
    expect(trail!.auditEvents.edges.map((edge) => edge.node.action)).toEqual([
      'completeDomainMigration',
      'startDomainMigration',
    ]);
  });

  it('answers an unknown id as data', async () => {
    expect((await end('completeDomainMigration', demo.acme.domains.acme)).userErrors).toMatchObject([
      { code: 'NOT_FOUND', field: 'id' },
    ]);
    expect((await end('cancelDomainMigration', 'not-an-id')).userErrors).toMatchObject([
      { code: 'NOT_FOUND', field: 'id' },
    ]);
  });

  describe('a migration of another organization', () => {
    let organizationId: string;
    let other: string;
    let migrationId: string;
    let staleId: string;

    beforeAll(async () => {
      const given = fixtures(db.dataSource);
      organizationId = (await given.organization('migrations')).id;
      other = await app.token(organizationId, undefined, 'admin@new.example');
      await given.domain(organizationId, 'old.example', { verified: true, claimed: true });
      await given.domain(organizationId, 'new.example', { verified: true, claimed: true });
      await given.domain(organizationId, 'pending.example');
      staleId = (await given.account(organizationId, 'gus@old.example', { managed: true })).id;
    });

    it('names the domain it cannot find, and the argument of the domain at fault', async () => {
      expect((await start('nowhere.example', 'new.example', other)).userErrors).toEqual([
        {
          code: 'NOT_FOUND',
          field: 'fromDomain',
          rule: null,
          message: 'No domain named nowhere.example in your organization.',
        },
      ]);
      expect((await start('old.example', 'Pending.Example', other)).userErrors).toEqual([
        {
          code: 'DOMAIN_NOT_VERIFIED',
          field: 'toDomain',
          rule: 'R4',
          message:
            'Not ready to migrate old.example to pending.example: pending.example is not verified, pending.example is not claimed.',
        },
      ]);
    });

    it('is invisible to the other organization, and refuses to complete when a domain is no longer claimed', async () => {
      const started = await start('old.example', 'new.example', other);
      expect(started).toMatchObject({ userErrors: [], staleAccounts: [{ email: 'gus@old.example' }] });
      migrationId = started.migration!.id;
      expect((await end('completeDomainMigration', migrationId)).userErrors).toMatchObject([
        { code: 'NOT_FOUND', field: 'id' },
      ]);

      await db.dataSource.query(`UPDATE domain SET claimed_at = NULL WHERE organization_id = $1 AND name = $2`, [
        organizationId,
        'new.example',
      ]);
      const refused = await end('completeDomainMigration', migrationId, '', other);
      expect(refused.userErrors.map((error) => [error.code, error.field])).toEqual([
        ['DOMAIN_NOT_CLAIMED', 'toDomain'],
        ['MIGRATION_NOT_READY', 'staleAccounts'],
        ['MIGRATION_NOT_READY', 'conflicts'],
      ]);
    });

    it('cancels at any time: CANCELLED, and the conflicts it opened are resolved by the cancellation', async () => {
      expect(
        (await end('cancelDomainMigration', migrationId, ', expectedVersion: 99', other)).userErrors,
      ).toMatchObject([{ code: 'VERSION_CONFLICT', field: 'expectedVersion' }]);
      const cancelled = await end('cancelDomainMigration', migrationId, '', other);
      expect(cancelled).toMatchObject({
        userErrors: [],
        migration: { status: 'CANCELLED' },
        change: { action: 'cancelDomainMigration', after: { status: 'CANCELLED' } },
      });
      const { data } = await app.gql<{ account: { status: string; conflicts: unknown[] } }>(
        `query($id: ID!) { account(id: $id) { status conflicts { kind status resolution } } }`,
        { id: staleId },
        { token: other },
      );
      expect(data!.account).toEqual({
        status: 'ACTIVE',
        conflicts: [{ kind: 'STALE_EXTERNAL_ACCOUNT', status: 'RESOLVED', resolution: 'cancelDomainMigration' }],
      });
      // The old domain is free to migrate again.
      await db.dataSource.query(`UPDATE domain SET claimed_at = now() WHERE organization_id = $1`, [organizationId]);
      expect((await start('old.example', 'new.example', other)).userErrors).toEqual([]);
    });
  });
});
