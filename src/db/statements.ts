import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { hydrate } from './hydrate';

export interface SelectOptions<T> {
  orderBy?: string;
  limit?: number;
  /** Lock the rows until the transaction ends (FOR UPDATE). */
  lock?: boolean;
  /** Columns the caller never reads (large jsonb payloads): left out, so Postgres and pg skip them. */
  exclude?: Array<keyof T & string>;
}

const columnLists = new Map<string, string>();

/**
 * A plain `SELECT <columns> FROM <entity's table> WHERE ...` returned as entity instances. For the
 * hot read paths (DataLoaders): TypeORM's query builder and result transformer cost more than
 * the query itself at portal and gateway rates (measured in bench/).
 */
export async function selectRows<T extends ObjectLiteral>(
  db: DataSource | EntityManager,
  entity: EntityTarget<T>,
  comment: string,
  where: string,
  params: unknown[],
  options: SelectOptions<T> = {},
): Promise<T[]> {
  const manager = 'manager' in db ? db.manager : db;
  const metadata = manager.dataSource.getMetadata(entity);
  const listKey = `${metadata.tableName}:${(options.exclude ?? []).join(',')}`;
  let columns = columnLists.get(listKey);
  if (columns === undefined) {
    const excluded = new Set<string>(options.exclude ?? []);
    columns = options.exclude?.length
      ? metadata.columns
          .filter((column) => !excluded.has(column.propertyName))
          .map((column) => `"${column.databaseName}"`)
          .join(', ')
      : '*';
    columnLists.set(listKey, columns);
  }
  const order = options.orderBy ? ` ORDER BY ${options.orderBy}` : '';
  const limit = options.limit !== undefined ? ` LIMIT ${Math.trunc(options.limit)}` : '';
  const lock = options.lock ? ' FOR UPDATE' : '';
  const rows: Array<Record<string, unknown>> = await manager.query(
    `/* ${comment} */ SELECT ${columns} FROM "${metadata.tableName}" WHERE ${where}${order}${limit}${lock}`,
    params,
  );
  return hydrate(manager, entity, rows);
}
