import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

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
