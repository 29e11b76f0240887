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

/**
 * INSERT of the given properties (the rest take their column defaults), returning the stored row;
 * with `skipOnConflict`, a row a unique index refuses yields null instead of an error, so the
 * caller needs no savepoint to carry on.
 */
export async function insertRow<T extends ObjectLiteral>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  values: Partial<T>,
  options: { comment: string; skipOnConflict?: boolean },
): Promise<T | null> {
  const metadata = tx.dataSource.getMetadata(entity);
  const columns = metadata.columns.filter(
    (column) => (values as Record<string, unknown>)[column.propertyName] !== undefined,
  );
  const params = columns.map((column) => {
    const value = (values as Record<string, unknown>)[column.propertyName];
    // pg sends objects and arrays as JSON only when asked; jsonb columns get the JSON text.
    return column.type === 'jsonb' ? JSON.stringify(value) : value;
  });
  const rows: Array<Record<string, unknown>> = await tx.query(
    `/* ${options.comment} */ INSERT INTO "${metadata.tableName}" (${columns.map((column) => `"${column.databaseName}"`).join(', ')})
     VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})${options.skipOnConflict ? ' ON CONFLICT DO NOTHING' : ''} RETURNING *`,
    params,
  );
  const [row = null] = hydrate(tx, entity, rows);
  return row;
}

export interface PendingInsert {
  entity: EntityTarget<ObjectLiteral>;
  values: Record<string, unknown>;
}

/**
 * Writes rows that nothing reads back before commit (audit events, push history) in one
 * statement: one INSERT per table, chained as data-modifying CTEs. A round trip saved per row
 * matters on the SCIM write path, where each one costs a write syscall and a backend wake-up.
 */
export async function insertAll(tx: EntityManager, pending: PendingInsert[], comment: string): Promise<void> {
  if (pending.length === 0) return;
  const params: unknown[] = [];
  const byTable = new Map<
    string,
    { metadata: ReturnType<DataSource['getMetadata']>; rows: Array<Record<string, unknown>> }
  >();
  for (const { entity, values } of pending) {
    const metadata = tx.dataSource.getMetadata(entity);
    const group = byTable.get(metadata.tableName) ?? { metadata, rows: [] };
    group.rows.push(values);
    byTable.set(metadata.tableName, group);
  }
  const inserts = [...byTable.values()].map(({ metadata, rows }) => {
    const columns = metadata.columns.filter((column) => rows.some((row) => row[column.propertyName] !== undefined));
    const tuples = rows.map((row) =>
      columns
        .map((column) => {
          const value = row[column.propertyName];
          if (value === undefined) return 'DEFAULT';
          params.push(column.type === 'jsonb' && value !== null ? JSON.stringify(value) : value);
          return `$${params.length}`;
        })
        .join(', '),
    );
    return `INSERT INTO "${metadata.tableName}" (${columns.map((column) => `"${column.databaseName}"`).join(', ')}) VALUES (${tuples.join('), (')})`;
  });
  const [last, ...others] = inserts.reverse();
  const chain = others.map((insert, i) => `w${i} AS (${insert})`);
  await tx.query(`/* ${comment} */ ${chain.length > 0 ? `WITH ${chain.join(', ')} ` : ''}${last}`, params);
}
