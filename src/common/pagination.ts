import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { selectRows, type SelectOptions } from '../db/statements';
import { badUserInput } from './errors';
import { isUuid } from './ids';
import { present } from './present';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size, ${DEFAULT_PAGE_SIZE} by default. Above ${MAX_PAGE_SIZE} is refused with BAD_USER_INPUT rather than silently cut.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field({ description: 'True when the page was asked for with a cursor.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** One page of a list, before it is shaped as a GraphQL connection. */
export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counted only when a client asks for totalCount. */
  count: () => Promise<number>;
}

interface Connection<T> {
  readonly edges: Array<{ cursor: string; node: T }>;
  readonly pageInfo: PageInfo;
  readonly totalCount: Promise<number>;
}

/** `XConnection` and `XEdge` types for a node type, built from a Page. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string = nodeType.name) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field({ description: 'Pass as `after` to read the page that follows this node.' })
    cursor: string;

    @Field(() => nodeType)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class PagedConnection implements Connection<T> {
    constructor(private readonly page: Page<T>) {}

    @Field(() => [Edge])
    get edges(): Edge[] {
      return this.page.nodes.map((node, i) => ({ node, cursor: this.page.cursors[i] }));
    }

    @Field(() => PageInfo)
    get pageInfo(): PageInfo {
      const { cursors, hasNextPage, hasPreviousPage } = this.page;
      return { hasNextPage, hasPreviousPage, startCursor: cursors[0] ?? null, endCursor: cursors.at(-1) ?? null };
    }

    @Field(() => Int, { description: 'Matches in the whole list, not only this page (costs a COUNT).' })
    get totalCount(): Promise<number> {
      return this.page.count();
    }
  }

  return PagedConnection;
}

type KeyCast = 'text' | 'uuid' | 'timestamptz' | 'bigint';

/** One column of a keyset order. `expression` wraps the column and the cursor value alike. */
interface SortKey<T> {
  property: keyof T & string;
  cast: KeyCast;
  expression?: (sql: string) => string;
}

/**
 * A keyset ordering: the keys together must be unique, so "rows after this cursor" is exact
 * however rows are inserted or deleted between pages. `scope` stops a cursor of one list from
 * being replayed against another.
 */
export interface Keyset<T> {
  scope: string;
  direction: 'ASC' | 'DESC';
  keys: SortKey<T>[];
}

/** A WHERE clause under construction: conditions written with `?`, values kept as parameters. */
export class Conditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a condition; each `?` in it becomes the next parameter, taken from `values` in order. */
  and(condition: string, ...values: unknown[]): this {
    let next = 0;
    this.sql.push(
      condition.replace(/\?/g, () => {
        this.params.push(values[next++]);
        return `$${this.params.length}`;
      }),
    );
    return this;
  }

  toString(): string {
    return this.sql.length > 0 ? this.sql.join(' AND ') : 'true';
  }

  clone(): Conditions {
    const copy = new Conditions();
    copy.sql.push(...this.sql);
    copy.params.push(...this.params);
    return copy;
  }
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

export interface PageQuery<T> extends Pick<SelectOptions<T>, 'exclude'> {
  /** Names the statements in the database's logs (a leading SQL comment). */
  comment: string;
  where: Conditions;
  keyset: Keyset<T>;
}

/**
 * Reads one page of the rows matching `where`, in keyset order: `WHERE (keys) > (cursor)`,
 * never OFFSET, so page 500 costs what page 1 costs. The total is counted only when asked for.
 */
export async function paginate<T extends ObjectLiteral>(
  db: DataSource,
  entity: EntityTarget<T>,
  { comment, where, keyset, exclude }: PageQuery<T>,
  args: { first?: number | null; after?: string | null },
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const metadata = db.getMetadata(entity);
  const wrap = (key: SortKey<T>, sql: string) => (key.expression ? key.expression(sql) : sql);
  // Cursors carry properties; the SQL needs their columns.
  const column = (key: SortKey<T>) =>
    wrap(key, present(metadata.findColumnWithPropertyName(key.property), `${key.property}'s column`).databaseName);
  const page = where.clone();
  if (args.after) {
    const values = decodeCursor(keyset, args.after);
    const columns = keyset.keys.map(column);
    const placeholders = keyset.keys.map((key) => wrap(key, `?::${key.cast}`));
    page.and(
      `(${columns.join(', ')}) ${keyset.direction === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`,
      ...values,
    );
  }
  const order = keyset.keys.map((key) => `${column(key)} ${keyset.direction}`).join(', ');
  const rows =
    limit === 0
      ? []
      : await selectRows(db, entity, comment, page.toString(), page.params, {
          exclude,
          orderBy: order,
          limit: limit + 1,
        });
  const nodes = rows.slice(0, limit);
  const table = metadata.tableName;
  return {
    nodes,
    cursors: nodes.map((node) => encodeCursor(keyset, node)),
    hasNextPage: rows.length > limit,
    hasPreviousPage: Boolean(args.after),
    count: memo(async () => {
      const rows: Array<{ count: number }> = await db.query(
        `/* ${comment}:count */ SELECT count(*)::int AS count FROM "${table}" WHERE ${where.toString()}`,
        where.params,
      );
      return rows.at(0)?.count ?? 0;
    }),
  };
}

function memo<R>(fn: () => Promise<R>): () => Promise<R> {
  let result: Promise<R> | undefined;
  return () => (result ??= fn());
}
