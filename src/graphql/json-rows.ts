import type { DataSource } from 'typeorm';

type EntityClass<T> = new () => T;

interface ColumnPlan {
  column: string;
  property: string;
  timestamp: boolean;
}

const plans = new WeakMap<DataSource, Map<EntityClass<unknown>, ColumnPlan[]>>();

function columnsOf(dataSource: DataSource, type: EntityClass<unknown>): ColumnPlan[] {
  let byType = plans.get(dataSource);
  if (!byType) plans.set(dataSource, (byType = new Map<EntityClass<unknown>, ColumnPlan[]>()));
  let columns = byType.get(type);
  if (!columns) {
    columns = dataSource.getMetadata(type).columns.map((column) => ({
      column: column.databaseName,
      property: column.propertyName,
      timestamp: column.type === 'timestamptz' || column.type === 'timestamp' || column.type === Date,
    }));
    byType.set(type, columns);
  }
  return columns;
}

/**
 * A row Postgres sent as JSON (`to_jsonb(t)`: its column names, timestamps as ISO text) as an
 * instance of its entity, the shape the entity's DataLoaders answer: properties named as the
 * entity names them, timestamps as Dates. Columns left out of the JSON stay unset, as they do
 * when a loader leaves them out.
 */
export function fromJson<T extends object>(dataSource: DataSource, type: EntityClass<T>, json: unknown): T | null {
  if (json === null || typeof json !== 'object') return null;
  const row = json as Record<string, unknown>;
  const entity = new type() as Record<string, unknown>;
  for (const { column, property, timestamp } of columnsOf(dataSource, type)) {
    if (!(column in row)) continue;
    const value = row[column];
    entity[property] = timestamp && typeof value === 'string' ? new Date(value) : value;
  }
  return entity as T;
}

/** A JSON array of rows (`jsonb_agg(to_jsonb(t))`) as entity instances. */
export function manyFromJson<T extends object>(dataSource: DataSource, type: EntityClass<T>, json: unknown): T[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((row) => fromJson(dataSource, type, row) ?? []);
}
