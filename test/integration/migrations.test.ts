import { QueryFailedError } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrations } from '../../migrations';

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  const tables = async () =>
    (
      await db.dataSource.query<{ tablename: string }[]>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migration' ORDER BY 1`,
      )
    ).map((row) => row.tablename);

  it('go all the way up on an empty database, down to zero, and up again', async () => {
    expect(await tables()).toEqual([]);

    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    const created = await tables();
    expect(created).toEqual(expect.arrayContaining(['account', 'conflict', 'domain', 'scim_record', 'audit_event']));

    for (let i = 0; i < migrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);

    await db.dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual(created);
  });

  it('leave nothing for the entities to change: the migrated schema is the one they describe', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('create every index the entities declare but TypeORM cannot describe (expression indexes)', async () => {
    const declared = db.dataSource.entityMetadatas.flatMap((entity) =>
      entity.indices.filter((index) => !index.synchronize).map((index) => index.name),
    );
    expect(declared.length).toBeGreaterThan(5);
    const existing = (
      await db.dataSource.query<{ indexname: string }[]>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`)
    ).map((row) => row.indexname);
    expect(existing).toEqual(expect.arrayContaining(declared));
  });

  describe('integrity lives in the database', () => {
    let organizationId: string;
    beforeAll(async () => {
      [{ id: organizationId }] = await db.dataSource.query(
        `INSERT INTO organization (name, slug) VALUES ('Org', 'org') RETURNING id`,
      );
    });
    const insertAccount = (email: string) =>
      db.dataSource.query(
        `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, $2, split_part(lower($2), '@', 2), 'SELF_SIGNUP')`,
        [organizationId, email],
      );
    const violation = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QueryFailedError);
      return (error as QueryFailedError & { driverError: { constraint?: string; code: string } }).driverError;
    };

    it('rejects a second account whose email differs only in case', async () => {
      await insertAccount('Alice.Smith@Acme.com');
      const error = await violation(insertAccount('alice.smith@acme.COM'));
      expect(error.code).toBe('23505');
      expect(error.constraint).toBe('account_email_lower_key');
    });

    it('rejects an account whose stored domain disagrees with its email', async () => {
      const error = await violation(
        db.dataSource.query(
          `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'x@acme.com', 'other.com', 'SCIM')`,
          [organizationId],
        ),
      );
      expect(error.constraint).toBe('account_email_domain_check');
    });

    it('rejects values outside an enum-like column', async () => {
      const error = await violation(
        db.dataSource.query(
          `INSERT INTO account (organization_id, email, email_domain, origin) VALUES ($1, 'y@acme.com', 'acme.com', 'MAGIC')`,
          [organizationId],
        ),
      );
      expect(error.constraint).toBe('account_origin_check');
    });

    it('lets one organization at a time hold a domain VERIFIED', async () => {
      const [{ id: other }] = await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO organization (name, slug) VALUES ('Other', 'other') RETURNING id`,
      );
      const addDomain = (org: string, status: string) =>
        db.dataSource.query(
          `INSERT INTO domain (organization_id, name, status, verification_token) VALUES ($1, 'shared.com', $2, 't')`,
          [org, status],
        );
      await addDomain(organizationId, 'VERIFIED');
      await addDomain(other, 'UNVERIFIED');
      const error = await violation(
        db.dataSource.query(
          `UPDATE domain SET status = 'VERIFIED' WHERE organization_id = $1 AND name = 'shared.com'`,
          [other],
        ),
      );
      expect(error.constraint).toBe('domain_verified_name_key');
      const duplicate = await violation(addDomain(organizationId, 'UNVERIFIED'));
      expect(duplicate.constraint).toBe('domain_organization_id_name_key');
    });

    it('keeps SCIM identities unique per directory: externalId, and userName case-insensitively', async () => {
      const [{ id: directoryId }] = await db.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO directory (organization_id, name, sso_email_attribute, scim_email_attribute) VALUES ($1, 'Okta', 'user.email', 'user.email') RETURNING id`,
        [organizationId],
      );
      const insertRecord = (externalId: string, userName: string) =>
        db.dataSource.query(
          `INSERT INTO scim_record (organization_id, directory_id, external_id, user_name) VALUES ($1, $2, $3, $4)`,
          [organizationId, directoryId, externalId, userName],
        );
      await insertRecord('00u1', 'Alice@Acme.com');
      expect((await violation(insertRecord('00u1', 'someone@acme.com'))).constraint).toBe(
        'scim_record_directory_id_external_id_key',
      );
      expect((await violation(insertRecord('00u2', 'alice@acme.com'))).constraint).toBe(
        'scim_record_directory_user_name_key',
      );
    });

    it('holds at most one OPEN conflict per cause, while closed ones accumulate', async () => {
      const open = () =>
        db.dataSource.query(
          `INSERT INTO conflict (organization_id, kind, cause_key, summary) VALUES ($1, 'MAPPING_MISMATCH', 'directory:x', 's')`,
          [organizationId],
        );
      await open();
      expect((await violation(open())).constraint).toBe('conflict_open_cause_key');
      await db.dataSource.query(
        `UPDATE conflict SET status = 'RESOLVED', closed_at = now() WHERE cause_key = 'directory:x'`,
      );
      await open();
      const error = await violation(
        db.dataSource.query(
          `UPDATE conflict SET status = 'DISMISSED' WHERE cause_key = 'directory:x' AND status = 'OPEN'`,
        ),
      );
      expect(error.constraint).toBe('conflict_closed_check');
    });
  });
});
