import type { Generated } from 'kysely';
import { as, tag, type Db } from '../db/kysely';
import { isUuid } from '../common/ids';
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
    return row ? as(Organization, [row])[0] : null;
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
}
