import {
  CamelCasePlugin,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RawBuilder,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { QueryFailedError, type DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { isStaleCachedPlan } from './pg-errors';

/**
 * Every table a query may name, with its columns in camelCase (as the entities name them; the
 * CamelCasePlugin maps them to the snake_case columns). Empty here: each feature's store adds its
 * own tables with `declare module`, so this folder imports no feature.
 * @public
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Tables {}

/** A typed query builder bound to a pool (reads) or to one transaction (a mutation's writes). */
export type Db = Kysely<Tables>;

/** Where statements go: the pool, or a transaction's EntityManager. */
export type Queryable = DataSource | EntityManager;

/**
 * Marks a statement to send as a named (prepared) statement: see `tag`. Written without the
 * spaces of a tag (`/* x *\/`), so logs and statement counts still see the statement's own tag.
 */
const PREPARED_MARK = '/*prepared*/';

/**
 * Data sources whose statements all go unnamed (DB_PREPARED_STATEMENTS=false): behind a pooler
 * that does not keep prepared statements per client (PgBouncer in transaction mode before 1.21,
 * or without max_prepared_statements), a named statement could meet a server connection that
 * never saw it. Every statement then is parsed and planned on each run.
 */
const unprepared = new WeakSet<DataSource>();

export function disablePreparedStatements(dataSource: DataSource): void {
  unprepared.add(dataSource);
}

/**
 * Statements run through TypeORM's query runners: one pool, one logger (tests count statements
 * through it), one transaction owner (the mutation runner). Kysely only builds and types them.
 */
class RunnerConnection implements DatabaseConnection {
  constructor(readonly runner: QueryRunner) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const marked = query.sql.endsWith(PREPARED_MARK) || query.sql.slice(0, 100).includes(PREPARED_MARK);
    if (marked && !unprepared.has(this.runner.dataSource)) return this.executePrepared(query);
    const result = (await this.runner.query(query.sql, query.parameters as unknown[], true)) as {
      records?: R[];
      affected?: number | null;
    };
    return {
      rows: result.records ?? [],
      numAffectedRows: typeof result.affected === 'number' ? BigInt(result.affected) : undefined,
    };
  }

  /**
   * A statement marked `prepared` (see `tag`) goes to the transaction's pg client as a named
   * statement (named as the pool names it: preparedNamesOf), so each connection parses and plans
   * it once and then reuses the plan; logged and failing as TypeORM's runner would.
   */
  private async executePrepared<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = query.parameters as unknown[];
    const client = (await this.runner.connect()) as PgClient;
    this.runner.dataSource.logger.logQuery(query.sql, parameters, this.runner);
    const names = preparedNamesOf(this.runner.dataSource);
    try {
      const result = await client.query({ name: names.nameOf(query.sql), text: query.sql, values: parameters });
      return {
        rows: result.rows as R[],
        numAffectedRows: typeof result.rowCount === 'number' ? BigInt(result.rowCount) : undefined,
      };
    } catch (error) {
      this.runner.dataSource.logger.logQueryError(error as Error, query.sql, parameters, this.runner);
      // A migration changed what it returns: every statement is parsed anew, and the transaction retried.
      if (isStaleCachedPlan(error)) names.forgetAll();
      throw new QueryFailedError(query.sql, parameters, error as Error);
    }
  }

  // eslint-disable-next-line require-yield -- never streams: every result here is a bounded page
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used');
  }
}

/** A transaction's pg client, as TypeORM's postgres query runner holds it. */
interface PgClient {
  query(config: {
    name: string | undefined;
    text: string;
    values: unknown[];
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The pg pool under TypeORM's postgres driver. */
interface PgPool {
  query(query: {
    text: string;
    values: unknown[];
    name?: string;
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * How many distinct statements a process prepares (each connection prepares one on first use and
 * keeps it): the planned reads, the loaders and the statements marked `prepared` are a few dozen
 * shapes; past the bound, a new shape (an unusual selection) runs unprepared, so no client can
 * grow the backends' plan caches.
 */
const MAX_PREPARED = 300;

/**
 * Statement names by text: the pool's reads and the transactions' marked statements alike (one
 * scheme; a name is never reused for another text). A prepared statement is parsed once per
 * connection and, once Postgres finds its generic plan as good as the custom ones (after five
 * runs), planned once: the conflict queue spent as long planning its statement (ten scalar
 * subqueries) as running it. Postgres itself keeps choosing custom plans where the parameters
 * matter (an email prefix). A pooler in front of Postgres must keep prepared statements per
 * client connection (PgBouncer in transaction mode: 1.21+ with max_prepared_statements), or
 * DB_PREPARED_STATEMENTS=false turns them off.
 */
class PreparedNames {
  private readonly names = new Map<string, string>();
  private next = 0;

  /** `disabled`: names none (DB_PREPARED_STATEMENTS=false). */
  constructor(private readonly disabled = false) {}

  nameOf(text: string): string | undefined {
    if (this.disabled) return undefined;
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_PREPARED) {
      name = `k${this.next++}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** A statement whose prepared form went stale (a migration changed its tables): the next run prepares it anew. */
  forget(text: string): void {
    if (this.names.delete(text)) this.next++;
  }

  /** Every statement prepared anew (under new names): a transaction retried after a stale plan meets no other. */
  forgetAll(): void {
    this.names.clear();
  }
}

const preparedNames = new WeakMap<DataSource, PreparedNames>();

function preparedNamesOf(dataSource: DataSource): PreparedNames {
  let names = preparedNames.get(dataSource);
  if (!names) preparedNames.set(dataSource, (names = new PreparedNames(unprepared.has(dataSource))));
  return names;
}

/**
 * A statement outside a transaction goes straight to the pool (pool.query checks a client out
 * and back in), logged through TypeORM's logger as its runners do: a TypeORM query runner per
 * statement cost a sixth of the CPU of a small read and a third of its time (measured with 8 clients: 81 vs 67-72 µs CPU and 2.2 vs 1.4 s wall per 8,000 reads).
 */
class PoolConnection implements DatabaseConnection {
  constructor(private readonly dataSource: DataSource) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = query.parameters as unknown[];
    this.dataSource.logger.logQuery(query.sql, parameters);
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    const names = preparedNamesOf(this.dataSource);
    let result;
    try {
      result = await pool.query({ text: query.sql, values: parameters, name: names.nameOf(query.sql) });
    } catch (error) {
      // Postgres refuses a prepared SELECT * once a migration changed the table's columns.
      if (!isStaleCachedPlan(error)) throw error;
      names.forget(query.sql);
      result = await pool.query({ text: query.sql, values: parameters, name: names.nameOf(query.sql) });
    }
    return {
      rows: result.rows as R[],
      numAffectedRows: typeof result.rowCount === 'number' ? BigInt(result.rowCount) : undefined,
    };
  }

  // eslint-disable-next-line require-yield -- never streams: every result here is a bounded page
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used');
  }
}

class TypeOrmDriver implements Driver {
  constructor(private readonly target: Queryable) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!('createQueryRunner' in this.target)) {
      const runner = this.target.queryRunner;
      if (!runner) throw new Error('a transaction-bound query builder needs the transaction of a mutation');
      return new RunnerConnection(runner);
    }
    return new PoolConnection(this.target);
  }

  // Transactions belong to the mutation runner (db/transaction.ts), never to a store.
  beginTransaction(): Promise<void> {
    return Promise.reject(new Error('open transactions with runMutation, not through the query builder'));
  }
  commitTransaction(): Promise<void> {
    return this.beginTransaction();
  }
  rollbackTransaction(): Promise<void> {
    return this.beginTransaction();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

const builders = new WeakMap<Queryable, Db>();

/** Whether any identifier under the node has an upper-case letter (values are data: not looked into). */
function hasCamelCaseIdentifier(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasCamelCaseIdentifier);
  if (node === null || typeof node !== 'object') return false;
  const { kind } = node as { kind?: string };
  if (kind === 'ValueNode' || kind === 'PrimitiveValueListNode') return false;
  if (kind === 'IdentifierNode') {
    const { name } = node as { name: string };
    return name !== name.toLowerCase();
  }
  return Object.values(node).some((value) => typeof value === 'object' && hasCamelCaseIdentifier(value));
}

/**
 * The CamelCasePlugin, except for a statement written in SQL (`sql` at its root) whose identifiers
 * are all snake_case already: snake-casing would rebuild (and freeze) every node of it to change
 * nothing. Reading the tree costs a fraction of that: the plugin's rebuild was 6% of a SCIM
 * push's CPU, most of it over the rules' detection statement.
 */
class SnakeCaseIdentifiers implements KyselyPlugin {
  // Nested keys stay as stored: jsonb payloads (SCIM resources, audit before/after) are data.
  private readonly plugin = new CamelCasePlugin({ maintainNestedObjectKeys: true });

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'RawNode' && !hasCamelCaseIdentifier(args.node)) return args.node;
    return this.plugin.transformQuery(args);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return this.plugin.transformResult(args);
  }
}

// One for every builder: each mutation gets a builder of its own, and a new plugin would start
// with empty name caches (snake_case of every identifier computed again on every push).
const camelCase = new SnakeCaseIdentifiers();

/** The query builder over a pool or a transaction; one per target, made on first use. */
export function queryBuilderFor(target: Queryable): Db {
  let db = builders.get(target);
  if (!db) {
    db = new Kysely<Tables>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new TypeOrmDriver(target),
        createIntrospector: (kysely) => new PostgresIntrospector(kysely),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      plugins: [camelCase],
    });
    builders.set(target, db);
  }
  return db;
}

/**
 * Names a statement in the database's logs and in tests' statement counts: `.modifyEnd(tag('x'))`
 * appends the comment `/* x *\/`. Tags are code, never user input. `prepared` (at the start of a
 * statement run in a mutation's transaction): sent as a named statement, parsed and planned once
 * per connection (see RunnerConnection); for a big statement of fixed text whose planning costs
 * more than its execution. Reads on the pool are all named (PoolConnection), marked or not.
 */
export function tag(name: string, options: { prepared?: boolean } = {}): RawBuilder<unknown> {
  if (!/^[\w:.-]+$/.test(name)) throw new Error(`not a statement tag: ${name}`);
  return sql.raw(options.prepared ? `/* ${name} */ ${PREPARED_MARK}` : `/* ${name} */`);
}

/** Rows as instances of an entity class, for the GraphQL layer (type-graphql and federation check classes). */
export function as<T extends object>(type: new () => T, rows: readonly object[]): T[] {
  return rows.map((row) => Object.assign(new type(), row));
}

/** One row (or none) as an entity instance: what a look-up by key answers. */
export function one<T extends object>(type: new () => T, row: object | null | undefined): T | null {
  return row ? Object.assign(new type(), row) : null;
}
