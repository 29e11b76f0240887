import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource, withDatabase } from '../../src/db/data-source';
import { loadState } from './state';

/** Counts the SQL statements a piece of code sends, through TypeORM's logger hook. */
class QueryCounter implements TypeOrmLogger {
  queries: string[] = [];
  get count(): number {
    return this.queries.length;
  }
  reset(): void {
    this.queries = [];
  }
  /** Statements whose leading comment (`.comment(...)`) matches. */
  tagged(tag: string): string[] {
    return this.queries.filter((query) => query.includes(`/* ${tag} */`));
  }
  logQuery(query: string): void {
    if (!/^(START TRANSACTION|COMMIT|ROLLBACK|SELECT version\(\)|SHOW )/i.test(query)) this.queries.push(query);
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
  options: { migrated?: boolean; poolMax?: number } = {},
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
  const dataSource = createDataSource({ url, poolMax: options.poolMax ?? 10, logger: queries });
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
