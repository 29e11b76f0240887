import { sql, type Expression, type SelectQueryBuilder } from 'kysely';
import { badUserInput, isUuid, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page } from '../common';

export type { Page };
import { tag } from './kysely';

type KeyCast = 'text' | 'uuid' | 'timestamptz' | 'bigint';

/** One column of a keyset order. `wrap` applies to the column and the cursor value alike. */
interface SortKey<T> {
  property: keyof T & string;
  cast: KeyCast;
  wrap?: (value: Expression<unknown>) => Expression<unknown>;
}

/**
 * A keyset ordering: the keys together must be unique, so "rows after this cursor" is exact
 * however rows are inserted or deleted between pages. `scope` stops a cursor of one list from
 * being replayed against another.
 */
export interface Keyset<T> {
  scope: string;
  direction: 'asc' | 'desc';
  keys: Array<SortKey<T>>;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `must be between 0 and ${MAX_PAGE_SIZE} (got ${first}).`);
  }
  return first;
}

function encodeCursor<T>(keyset: Keyset<T>, node: T): string {
  const values = keyset.keys.map((key) => {
    const value = node[key.property] as unknown;
    return value instanceof Date ? value.toISOString() : String(value);
  });
  return Buffer.from(JSON.stringify([keyset.scope, ...values])).toString('base64url');
}

const validValue: Record<KeyCast, (value: string) => boolean> = {
  text: () => true,
  uuid: isUuid,
  timestamptz: (value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) && !Number.isNaN(Date.parse(value)),
  bigint: (value) => /^\d{1,19}$/.test(value),
};

export function decodeCursor<T>(keyset: Keyset<T>, cursor: string): string[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parts: unknown[] = Array.isArray(decoded) ? decoded : [];
  const values = parts.slice(1).filter((value) => typeof value === 'string');
  const valid =
    parts.length === keyset.keys.length + 1 &&
    parts[0] === keyset.scope &&
    values.length === keyset.keys.length &&
    keyset.keys.every((key, i) => validValue[key.cast](values[i]));
  if (!valid) throw badUserInput('after', `not a cursor of this ${keyset.scope} list; pass an endCursor it returned.`);
  return values;
}

/**
 * Reads one page of `query` (its filters applied, nothing ordered) in keyset order:
 * `WHERE (keys) > (cursor)`, never OFFSET, so page 500 costs what page 1 costs. The total is
 * counted only when asked for.
 */
export async function paginate<DB, TB extends keyof DB, T>(
  query: SelectQueryBuilder<DB, TB, T>,
  keyset: Keyset<T>,
  args: { first?: number | null; after?: string | null },
  name: string,
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const wrap = (key: SortKey<T>, value: Expression<unknown>) => (key.wrap ? key.wrap(value) : value);
  const columns = keyset.keys.map((key) => wrap(key, sql.ref(key.property)));
  let page = query;
  if (args.after) {
    const values = decodeCursor(keyset, args.after);
    const cursor = keyset.keys.map((key, i) => wrap(key, sql`${values[i]}::${sql.raw(key.cast)}`));
    const compare = keyset.direction === 'asc' ? sql.raw('>') : sql.raw('<');
    page = page.where(sql<boolean>`(${sql.join(columns)}) ${compare} (${sql.join(cursor)})`);
  }
  for (const column of columns) page = page.orderBy(column, keyset.direction);
  const rows =
    limit === 0
      ? []
      : await page
          // A literal (a whole number pageSize checked): with a parameter Postgres cannot cost the
          // prepared statement's generic plan, so it plans every run (a quarter of the queue's time).
          .limit(sql.lit(limit + 1))
          .modifyEnd(tag(name))
          .execute();
  const nodes = rows.slice(0, limit);
  return {
    nodes,
    cursors: nodes.map((node) => encodeCursor(keyset, node)),
    hasNextPage: rows.length > limit,
    hasPreviousPage: Boolean(args.after),
    count: memo(async () => {
      const counted = await query
        .clearSelect()
        .select(sql<number>`count(*)::int`.as('count'))
        .modifyEnd(tag(`${name}:count`))
        .executeTakeFirst();
      return (counted as { count?: number } | undefined)?.count ?? 0;
    }),
  };
}

function memo<R>(fn: () => Promise<R>): () => Promise<R> {
  let result: Promise<R> | undefined;
  return () => (result ??= fn());
}
