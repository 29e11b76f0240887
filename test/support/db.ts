import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource, withDatabase } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { loadState } from './state';

/** A statement's tag: its first `/* name *\/` comment, leading or trailing. */
function tagOf(query: string): string | undefined {
  return /\/\* (.+?) \*\//.exec(query)?.[1];
}

/** Counts the SQL statements a piece of code sends, through TypeORM's logger hook. */
class QueryCounter implements TypeOrmLogger {
  queries: string[] = [];
  get count(): number {
    return this.queries.length;
  }
  reset(): void {
    this.queries = [];
  }
  /**
   * Statements tagged `tag`, wherever the comment is: leading (raw SQL, TypeORM's `.comment(...)`)
   * or trailing (Kysely's `.modifyEnd(tag(...))`). The closing `*\/` is matched too, so `a` does
   * not count `a:b`.
   */
  tagged(tag: string): string[] {
    return this.queries.filter((query) => query.includes(`/* ${tag} */`));
  }
  /** Each statement's tag (see tagged), or undefined for an untagged one. */
  tags(): Array<string | undefined> {
    return this.queries.map(tagOf);
  }
  logQuery(query: string): void {
    // Transaction control is not a statement of the code under test: TypeORM's and Kysely's own.
    if (/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SELECT version\(\)|SHOW )/i.test(query)) return;
    // Kysely statements carry their tag at the end (`.modifyEnd(tag(...))`): logged here in front, as `.comment(...)` puts it.
    const tag = /\s*(\/\* [\w:.-]+ \*\/)$/.exec(query);
    this.queries.push(tag ? `${tag[1]} ${query.slice(0, tag.index)}` : query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export interface TestDatabase {
  dataSource: DataSource;
  url: string;
  name: string;
  queries: QueryCounter;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: loadState().adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  return withDatabase(loadState().adminUrl, name);
}

/** A fresh, migrated database of this test file's own, cloned from the run's template in milliseconds. */
export async function createTestDatabase(
  options: { migrated?: boolean; poolMax?: number; preparedStatements?: boolean } = {},
): Promise<TestDatabase> {
  const { template, runId } = loadState();
  const name = `gov_${runId}_${randomBytes(4).toString('hex')}`;
  await admin((client) =>
    client.query(
      options.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`,
    ),
  );
  const queries = new QueryCounter();
  const url = databaseUrl(name);
  const dataSource = createDataSource({
    url,
    entities,
    poolMax: options.poolMax ?? 10,
    logger: queries,
    preparedStatements: options.preparedStatements,
  });
  await dataSource.initialize();
  return {
    dataSource,
    url,
    name,
    queries,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
