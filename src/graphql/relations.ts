import { sql } from 'kysely';

/** Planned columns are named `plan...`: no table has such a column. */
const PLANNED = 'plan';

/** A planned row split into the entity's own columns and the planned relations' JSON. */
export function splitPlanned(row: object): { columns: Record<string, unknown>; planned: Record<string, unknown> } {
  const columns: Record<string, unknown> = {};
  const planned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith(PLANNED)) planned[key] = value;
    else columns[key] = value;
  }
  return { columns, planned };
}

/**
 * A SCIM record as JSON without the IdP's raw payload and email list (scim.loaders' HEAVY): GraphQL
 * reads the columns, so the planned rows have the shape the record loaders answer.
 */
export const recordJson = sql`to_jsonb(t) - 'raw_payload' - 'emails'`;
