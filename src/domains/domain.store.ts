import { sql, type Generated, type Insertable, type Updateable } from 'kysely';
import { as, tag, type Db, one, lockTenantRow } from '../db';
import { Domain } from './domain.entity';
import { DomainMigration, MigrationStatus } from './domain-migration.entity';
import { DomainStatus, type DomainVerificationMethod } from './domain.enums';

/** The `domain` table, in the entities' camelCase. */
interface DomainTable {
  id: Generated<string>;
  organizationId: string;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  name: string;
  status: Generated<DomainStatus>;
  verificationMethod: Generated<DomainVerificationMethod>;
  verificationToken: string;
  verifiedAt: Date | null;
  lastCheckedAt: Date | null;
  lastCheckError: string | null;
  claimedAt: Date | null;
}

/** The `domain_migration` table. */
interface DomainMigrationTable {
  id: Generated<string>;
  organizationId: string;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  fromDomainId: string;
  toDomainId: string;
  status: Generated<MigrationStatus>;
  startedBy: string;
  completedAt: Date | null;
}

declare module '../db/kysely' {
  interface Tables {
    domain: DomainTable;
    domainMigration: DomainMigrationTable;
  }
}

/** Every statement on domains and domain migrations. */
export class DomainStore {
  constructor(private readonly db: Db) {}

  /** An organization asserts tens of domains, not thousands: one sorted list, no pages. */
  async list(organizationId: string, status?: DomainStatus | null): Promise<Domain[]> {
    let query = this.db.selectFrom('domain').selectAll().where('organizationId', '=', organizationId);
    if (status) query = query.where('status', '=', status);
    return as(Domain, await query.orderBy('name').modifyEnd(tag('domains')).execute());
  }

  /** The DataLoader's batch: domains of the organization by id. */
  async byIds(organizationId: string, ids: string[]): Promise<Domain[]> {
    const rows = await this.db
      .selectFrom('domain')
      .selectAll()
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('loader:domainById'))
      .execute();
    return as(Domain, rows);
  }

  /** The organization's domains with these stored-form names; `name` tags the statement. */
  async byNames(organizationId: string, names: string[], name = 'domainsByName'): Promise<Domain[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('domain')
      .selectAll()
      .where('name', '=', sql<string>`ANY(${[...new Set(names)]}::text[])`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag(name))
      .execute();
    return as(Domain, rows);
  }

  /**
   * Which of these names another organization has VERIFIED. Share-locks every other
   * organization's row of those names, so a verification in flight either commits first and is
   * seen here, or waits for this transaction and then sees what it wrote.
   */
  async verifiedElsewhere(organizationId: string, names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('domain')
      .select(['name', 'status'])
      .where('name', '=', sql<string>`ANY(${[...new Set(names)]}::text[])`)
      .where('organizationId', '<>', organizationId)
      .orderBy('id')
      .forShare()
      .modifyEnd(tag('domainsOwnedElsewhere'))
      .execute();
    return new Set(rows.filter((row) => row.status === DomainStatus.VERIFIED).map((row) => row.name));
  }

  /** A new domain, or null when the organization already asserts one of that name. */
  async insert(values: Insertable<DomainTable>): Promise<Domain | null> {
    const row = await this.db
      .insertInto('domain')
      .values(values)
      .onConflict((conflict) => conflict.constraint('domain_organization_id_name_key').doNothing())
      .returningAll()
      .modifyEnd(tag('addDomain'))
      .executeTakeFirst();
    return one(Domain, row);
  }

  /** Reads a domain of the organization and locks it until the transaction ends. */
  async lock(organizationId: string, id: string, name: string): Promise<Domain | null> {
    return lockTenantRow(this.db, 'domain', Domain, organizationId, id, name);
  }

  /** Other organizations' VERIFIED domains of this name (at most one), locked. */
  async lockVerifiedHolders(name: string, exceptId: string): Promise<Domain[]> {
    const rows = await this.db
      .selectFrom('domain')
      .selectAll()
      .where('name', '=', name)
      .where('status', '=', DomainStatus.VERIFIED)
      .where('id', '<>', exceptId)
      .forUpdate()
      .modifyEnd(tag('verifiedHolders'))
      .execute();
    return as(Domain, rows);
  }

  /** Applies changes to a locked domain, bumping its version; the domain is updated in place. */
  async update(
    domain: Domain,
    changes: Omit<Updateable<DomainTable>, 'id' | 'organizationId' | 'version' | 'updatedAt'>,
  ): Promise<Domain> {
    const row = await this.db
      .updateTable('domain')
      .set({ ...changes, version: sql<number>`version + 1`, updatedAt: sql<Date>`now()` })
      .where('id', '=', domain.id)
      .where('organizationId', '=', domain.organizationId)
      .returning(['version', 'updatedAt'])
      .modifyEnd(tag('updateDomain'))
      .executeTakeFirstOrThrow();
    return Object.assign(domain, changes, row);
  }

  /** The organization's migrations, newest first (the latest hundred). */
  async migrations(organizationId: string): Promise<DomainMigration[]> {
    const rows = await this.db
      .selectFrom('domainMigration')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(100)
      .modifyEnd(tag('domainMigrations'))
      .execute();
    return as(DomainMigration, rows);
  }

  /** A new migration, or null when one away from the same domain is already in progress. */
  async insertMigration(values: Insertable<DomainMigrationTable>): Promise<DomainMigration | null> {
    const row = await this.db
      .insertInto('domainMigration')
      .values(values)
      .onConflict((conflict) =>
        conflict.column('fromDomainId').where('status', '=', MigrationStatus.IN_PROGRESS).doNothing(),
      )
      .returningAll()
      .modifyEnd(tag('startDomainMigration'))
      .executeTakeFirst();
    return one(DomainMigration, row);
  }

  /** Reads a migration of the organization and locks it until the transaction ends. */
  async lockMigration(organizationId: string, id: string, name: string): Promise<DomainMigration | null> {
    return lockTenantRow(this.db, 'domain_migration', DomainMigration, organizationId, id, name);
  }

  /** Ends a locked IN_PROGRESS migration (COMPLETED or CANCELLED), bumping its version; updated in place. */
  async endMigration(
    migration: DomainMigration,
    status: MigrationStatus.COMPLETED | MigrationStatus.CANCELLED,
  ): Promise<DomainMigration> {
    const row = await this.db
      .updateTable('domainMigration')
      .set({
        status,
        completedAt: sql<Date>`now()`,
        version: sql<number>`version + 1`,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', migration.id)
      .where('organizationId', '=', migration.organizationId)
      .returning(['status', 'completedAt', 'version', 'updatedAt'])
      .modifyEnd(tag('endDomainMigration'))
      .executeTakeFirstOrThrow();
    return Object.assign(migration, row);
  }

  /**
   * The OPEN conflicts a migration opened: STALE_EXTERNAL_ACCOUNT on its old domain (the conflict
   * table is the conflicts feature's; this reads only the columns a migration's readiness needs).
   */
  async openConflictsOfMigration(
    organizationId: string,
    fromDomainId: string,
  ): Promise<Array<{ id: string; email: string | null }>> {
    const { rows } = await sql<{ id: string; email: string | null }>`
      SELECT id, email FROM conflict
       WHERE organization_id = ${organizationId} AND domain_id = ${fromDomainId}
         AND kind = 'STALE_EXTERNAL_ACCOUNT' AND status = 'OPEN'
       ORDER BY lower(email), id ${tag('migrationConflicts')}`.execute(this.db);
    return rows;
  }
}
