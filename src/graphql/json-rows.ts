import { sql, type RawBuilder } from 'kysely';
import type { DataSource } from 'typeorm';
import type { Selection } from './selection';

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

const propertyColumns = new WeakMap<DataSource, Map<EntityClass<unknown>, Map<string, string>>>();

/** The entity's column names by property name. */
function columnByProperty(dataSource: DataSource, type: EntityClass<unknown>): Map<string, string> {
  let byType = propertyColumns.get(dataSource);
  if (!byType) propertyColumns.set(dataSource, (byType = new Map<EntityClass<unknown>, Map<string, string>>()));
  let columns = byType.get(type);
  if (!columns) {
    columns = new Map(columnsOf(dataSource, type).map(({ property, column }) => [property, column]));
    byType.set(type, columns);
  }
  return columns;
}

/** The columns (with the id) of the entity's fields `names`, when every one is a column; else null. */
export function columnsNamed(
  dataSource: DataSource,
  type: EntityClass<unknown>,
  names: readonly string[],
): string[] | null {
  const byProperty = columnByProperty(dataSource, type);
  const columns = new Set<string>(['id']);
  for (const name of names) {
    if (name === '__typename') continue;
    const column = byProperty.get(name);
    if (column === undefined) return null;
    columns.add(column);
  }
  return [...columns];
}

/** The columns (with the id) `selection` asks for, when every field it selects is a column of the entity; else null. */
export function selectedColumns(
  dataSource: DataSource,
  type: EntityClass<unknown>,
  selection: Selection,
): string[] | null {
  return columnsNamed(dataSource, type, selection.names);
}

/**
 * The row `alias` as JSON with only the columns `selection` asks for (and its id, and `extra`
 * columns a planner reads itself), when every field selected is a column of the entity; null
 * when a field is anything else (a field resolver may read any column: then read the whole row).
 * Such a row is partial: it answers this selection only, so it must not prime a loader that
 * another path of the request may ask for other columns.
 */
export function selectedColumnsJson(
  dataSource: DataSource,
  type: EntityClass<unknown>,
  selection: Selection,
  alias: string,
  extra: readonly string[] = [],
): RawBuilder<unknown> | null {
  const selected = selectedColumns(dataSource, type, selection);
  if (!selected) return null;
  const columns = new Set([...selected, ...extra]);
  // Names from the entity metadata, never from the request.
  const pairs = [...columns].map((column) => `'${column}', ${alias}."${column}"`).join(', ');
  return sql.raw(`jsonb_build_object(${pairs})`);
}
