import { sql, type SelectQueryBuilder } from 'kysely';
import { tag } from '../db';
import { filterExpression, sortExpression, type ResourceSchema } from './filter';

/** What a SCIM list asks of a store: RFC 7644 §3.4.2's filter, sort and 1-based page. */
export interface DirectoryListRequest {
  filter: string | null;
  startIndex: number;
  /** 0 asks only for the total. */
  count: number;
  sortBy: string | null;
  sortOrder: 'ascending' | 'descending';
}

/**
 * One page of a directory's resources (`base`: the table under `alias`, already scoped by
 * organization and directory), filtered and sorted in SQL: the filter compiles to a
 * parameterized expression over `schema`'s columns. The total comes with the page (a window
 * count); a page past the end counts apart.
 */
export async function directoryPage<DB, TB extends keyof DB>(
  base: SelectQueryBuilder<DB, TB, object>,
  alias: 'r' | 'g',
  schema: ResourceSchema,
  request: DirectoryListRequest,
  name: string,
): Promise<{ total: number; rows: Array<Record<string, unknown>> }> {
  const filtered = request.filter !== null ? base.where(filterExpression(request.filter, schema)) : base;
  const count = async () => {
    const row = (await filtered
      .select(sql<string>`count(*)::bigint`.as('total'))
      .modifyEnd(tag(`${name}:count`))
      .executeTakeFirstOrThrow()) as { total: string };
    return Number(row.total);
  };
  if (request.count === 0) return { total: await count(), rows: [] };

  const direction = sql.raw(request.sortOrder === 'descending' ? 'DESC' : 'ASC');
  const id = sql.ref(`${alias}.id`);
  let ordered = filtered.selectAll().select(sql<string>`count(*) OVER ()`.as('totalResults'));
  ordered =
    request.sortBy !== null
      ? ordered
          .orderBy(sql`${sortExpression(request.sortBy, schema)} ${direction} NULLS LAST`)
          .orderBy(sql`${id} ${direction}`)
      : ordered.orderBy(sql.ref(`${alias}.createdAt`)).orderBy(id);
  const rows = (await ordered
    .modifyEnd(sql`LIMIT ${request.count}::int OFFSET ${request.startIndex - 1}::bigint`)
    .modifyEnd(tag(name))
    .execute()) as Array<Record<string, unknown> & { totalResults: string }>;
  const total = rows.length > 0 ? Number(rows[0].totalResults) : request.startIndex > 1 ? await count() : 0;
  for (const row of rows) Reflect.deleteProperty(row, 'totalResults');
  return { total, rows };
}
