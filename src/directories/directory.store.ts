import { sql, type Generated, type Insertable, type Updateable } from 'kysely';
import { as, tag, type Db, one, lockTenantRow } from '../db';
import { Directory } from './directory.entity';
import type { IdentityProvider } from './directory.enums';

/** The `directory` table, in the entities' camelCase. */
interface DirectoryTable {
  id: Generated<string>;
  organizationId: string;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  name: string;
  provider: Generated<IdentityProvider>;
  ssoEmailAttribute: string;
  scimEmailAttribute: string;
  tokenHash: string | null;
  tokenIssuedAt: Date | null;
}

declare module '../db/kysely' {
  interface Tables {
    directory: DirectoryTable;
  }
}

/** Every statement on directories (IdP connections). */
export class DirectoryStore {
  constructor(private readonly db: Db) {}

  async list(organizationId: string): Promise<Directory[]> {
    const rows = await this.db
      .selectFrom('directory')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('name')
      .modifyEnd(tag('directories'))
      .execute();
    return as(Directory, rows);
  }

  /** The DataLoader's batch: directories of the organization by id. */
  async byIds(organizationId: string, ids: string[]): Promise<Directory[]> {
    const rows = await this.db
      .selectFrom('directory')
      .selectAll()
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('loader:directoryById'))
      .execute();
    return as(Directory, rows);
  }

  /** The directory whose SCIM token hashes to `tokenHash` (any organization: the token says which). */
  async byTokenHash(tokenHash: string, name = 'scim:authenticate'): Promise<Directory | null> {
    const row = await this.db
      .selectFrom('directory')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .modifyEnd(tag(name))
      .executeTakeFirst();
    return one(Directory, row);
  }

  /** A new directory, or null when the organization already has one of that name. */
  async insert(values: Insertable<DirectoryTable>): Promise<Directory | null> {
    const row = await this.db
      .insertInto('directory')
      .values(values)
      .onConflict((conflict) => conflict.constraint('directory_organization_id_name_key').doNothing())
      .returningAll()
      .modifyEnd(tag('createDirectory'))
      .executeTakeFirst();
    return one(Directory, row);
  }

  /** Reads a directory of the organization and locks it until the transaction ends. */
  async lock(organizationId: string, id: string, name: string): Promise<Directory | null> {
    return lockTenantRow(this.db, 'directory', Directory, organizationId, id, name);
  }

  /** Applies changes to a locked directory, bumping its version; the directory is updated in place. */
  async update(
    directory: Directory,
    changes: Omit<Updateable<DirectoryTable>, 'id' | 'organizationId' | 'version' | 'updatedAt'>,
  ): Promise<Directory> {
    const row = await this.db
      .updateTable('directory')
      .set({ ...changes, version: sql<number>`version + 1`, updatedAt: sql<Date>`now()` })
      .where('id', '=', directory.id)
      .where('organizationId', '=', directory.organizationId)
      .returning(['version', 'updatedAt'])
      .modifyEnd(tag('updateDirectory'))
      .executeTakeFirstOrThrow();
    return Object.assign(directory, changes, row);
  }
}
