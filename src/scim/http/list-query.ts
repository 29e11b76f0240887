import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { hydrate } from '../../db/hydrate';
import { compileFilter, sortColumn, type ResourceSchema } from '../filter';
import type { Directory } from '../../directories/directory.entity';
import type { ListRequest } from './list-request';

export interface ListSource<T extends ObjectLiteral> {
  entity: EntityTarget<T>;
  /** Trusted SQL: the table and the alias its filter schema's columns use. */
  table: 'scim_record' | 'scim_group';
  alias: 'r' | 'g';
  schema: ResourceSchema;
  comment: string;
}

/**
 * One page of a directory's resources, filtered and sorted in SQL: the filter compiles to a
 * parameterized expression (values only ever travel as parameters), scoped by organization and
 * directory. The total comes with the page (a window count); a page past the end counts apart.
 */
export async function queryPage<T extends ObjectLiteral>(
  db: DataSource,
  source: ListSource<T>,
  directory: Directory,
  request: ListRequest,
): Promise<{ total: number; rows: T[] }> {
  const { alias, table } = source;
  const params: unknown[] = [directory.organizationId, directory.id];
  let where = `${alias}.organization_id = $1 AND ${alias}.directory_id = $2`;
  if (request.filter !== null) {
    const compiled = compileFilter(request.filter, source.schema, params.length + 1);
    where += ` AND (${compiled.sql})`;
    params.push(...compiled.params);
  }
  const count = async () => {
    const [row]: Array<{ total: string }> = await db.query(
      `/* ${source.comment}:count */ SELECT count(*)::bigint AS total FROM ${table} ${alias} WHERE ${where}`,
      params,
    );
    return Number(row.total);
  };
  if (request.count === 0) return { total: await count(), rows: [] };

  const direction = request.sortOrder === 'descending' ? 'DESC' : 'ASC';
  const order =
    request.sortBy !== null
      ? `${sortColumn(request.sortBy, source.schema)} ${direction} NULLS LAST, ${alias}.id ${direction}`
      : `${alias}.created_at, ${alias}.id`;
  const limit = params.length + 1;
  const rows: Array<Record<string, unknown>> = await db.query(
    `/* ${source.comment} */ SELECT ${alias}.*, count(*) OVER () AS total_results FROM ${table} ${alias}
     WHERE ${where} ORDER BY ${order} LIMIT $${limit}::int OFFSET $${limit + 1}::bigint`,
    [...params, request.count, request.startIndex - 1],
  );
  const total = rows.length > 0 ? Number(rows[0].total_results) : request.startIndex > 1 ? await count() : 0;
  return { total, rows: hydrate(db.manager, source.entity, rows) };
}
