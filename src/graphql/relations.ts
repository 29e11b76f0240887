import { sql } from 'kysely';

/** Planned columns are named `plan...`: no table has such a column. */
const PLANNED = 'plan';

/**
 * A planned row's own columns as an instance of its entity, leaving out the planned relations'
 * JSON (read from the row itself). One copy per row: a page of 1,000 entities allocates little.
 */
export function entityOf<T extends object>(type: new () => T, row: object): T {
  const entity = new type() as Record<string, unknown>;
  const columns = row as Record<string, unknown>;
  for (const key in columns) if (!key.startsWith(PLANNED)) entity[key] = columns[key];
  return entity as T;
}

/**
 * A SCIM record as JSON without the IdP's raw payload and email list (scim.loaders' HEAVY): GraphQL
 * reads the columns, so the planned rows have the shape the record loaders answer.
 */
export const recordJson = sql`to_jsonb(t) - 'raw_payload' - 'emails'`;
