import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badUserInput } from './errors';
import { isUuid } from './ids';

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

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `must be between 0 and ${MAX_PAGE_SIZE} (got ${first}).`);
  }
  return first;
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
