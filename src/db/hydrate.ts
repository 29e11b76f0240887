import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/** Turns `RETURNING *` rows (snake_case columns, already typed by pg) into entity instances. */
export function hydrate<T extends ObjectLiteral>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  rows: Array<Record<string, unknown>>,
): T[] {
  const metadata = tx.dataSource.getMetadata(entity);
  return rows.map((row) => {
    const instance = metadata.create() as T;
    for (const column of metadata.columns) {
      if (column.databaseName in row)
        (instance as Record<string, unknown>)[column.propertyName] = row[column.databaseName];
    }
    return instance;
  });
}
