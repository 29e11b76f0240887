import { sql, type Generated, type Insertable } from 'kysely';
import { as, tag, type Db, one } from '../db';
import { isUuid } from '../common';
import { Organization } from './organization.entity';

/** The `organization` table: the tenants. */
interface OrganizationTable {
  id: Generated<string>;
  name: string;
  slug: string;
  createdAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    organization: OrganizationTable;
  }
}

/** Every statement on organizations. */
export class OrganizationStore {
  constructor(private readonly db: Db) {}

  async byId(id: string): Promise<Organization | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('organization')
      .selectAll()
      .where('id', '=', id)
      .modifyEnd(tag('organization'))
      .executeTakeFirst();
    return one(Organization, row);
  }

  /** Whether an organization of this id exists (a token's org claim is checked against it). */
  async exists(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const row = await this.db
      .selectFrom('organization')
      .select('id')
      .where('id', '=', id)
      .modifyEnd(tag('auth:organizationExists'))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The organization of this slug (the CLI names organizations by slug). */
  async bySlug(slug: string): Promise<Organization | null> {
    const row = await this.db
      .selectFrom('organization')
      .selectAll()
      .where('slug', '=', slug)
      .modifyEnd(tag('organizationBySlug'))
      .executeTakeFirst();
    return one(Organization, row);
  }

  /** The organizations of these slugs. */
  async bySlugs(slugs: string[]): Promise<Organization[]> {
    const rows = await this.db
      .selectFrom('organization')
      .selectAll()
      .where('slug', '=', sql<string>`ANY(${slugs}::text[])`)
      .orderBy('slug')
      .modifyEnd(tag('organizationsBySlug'))
      .execute();
    return as(Organization, rows);
  }

  /** The first organizations by slug (development tokens are printed for them). */
  async firstBySlug(limit: number): Promise<Organization[]> {
    const rows = await this.db
      .selectFrom('organization')
      .selectAll()
      .orderBy('slug')
      .limit(limit)
      .modifyEnd(tag('organizationsFirstBySlug'))
      .execute();
    return as(Organization, rows);
  }

  /** A new organization (the demo seed makes its tenants so). */
  async create(values: Insertable<OrganizationTable>): Promise<Organization> {
    const row = await this.db
      .insertInto('organization')
      .values(values)
      .returningAll()
      .modifyEnd(tag('createOrganization'))
      .executeTakeFirstOrThrow();
    return as(Organization, [row])[0];
  }

  /** Removes the organizations of these slugs, and (by cascade) everything they own. */
  async deleteBySlugs(slugs: string[]): Promise<void> {
    await this.db
      .deleteFrom('organization')
      .where('slug', '=', sql<string>`ANY(${slugs}::text[])`)
      .modifyEnd(tag('deleteOrganizations'))
      .execute();
  }
}
