import { sql } from 'kysely';
import { isUuid } from '../common';
import { as, one, tag, type Db } from './kysely';

/** The organizations' tables whose rows mutations lock by id before checking and changing them. */
type LockableTable = 'account' | 'conflict' | 'directory' | 'domain' | 'domain_migration' | 'scim_record';

/**
 * A row of the organization's by id, locked until the transaction ends (FOR UPDATE), so the rule
 * checks that follow see what the write will change; as the entity `type`. Another organization's
 * id, or one that is no uuid, reads as absent. The one way the stores lock the row of a mutation.
 */
export async function lockTenantRow<T extends object>(
  db: Db,
  table: LockableTable,
  type: new () => T,
  organizationId: string,
  id: string,
  name: string,
): Promise<T | null> {
  if (!isUuid(id)) return null;
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}
     WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid FOR UPDATE ${tag(name)}`.execute(db);
  return one(type, rows[0]);
}

/**
 * The organization's rows among `ids`, locked in id order, so two bulk mutations never wait on
 * each other in a cycle; ids of other organizations, or no uuids, are left out.
 */
export async function lockTenantRows<T extends object>(
  db: Db,
  table: LockableTable,
  type: new () => T,
  organizationId: string,
  ids: readonly string[],
  name: string,
): Promise<T[]> {
  const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
  if (uuids.length === 0) return [];
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}
     WHERE id = ANY(${uuids}::uuid[]) AND organization_id = ${organizationId}::uuid
     ORDER BY id FOR UPDATE ${tag(name)}`.execute(db);
  return as(type, rows);
}
