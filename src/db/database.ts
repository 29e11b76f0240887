import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Config } from '../config';
import { createDataSource, type DataSourceOptions } from './data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded';
import { isDatabaseUnavailable } from './pg-errors';
import { queryBuilderFor, tag } from './kysely';

export interface Database {
  dataSource: DataSource;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

/** Arbitrary but fixed: every replica takes the same advisory lock before migrating. */
const MIGRATION_LOCK = 727_274_001;

/** DATABASE_URL when given, otherwise a real Postgres of our own under DATA_DIR. */
export async function openDatabase(
  config: Pick<
    Config,
    'databaseUrl' | 'dataDir' | 'embeddedPostgresPort' | 'dbPoolMax' | 'dbPreparedStatements' | 'migrateOnStart'
  >,
  entities: DataSourceOptions['entities'],
  logger: Logger,
  queryLogger?: TypeOrmLogger,
): Promise<Database> {
  let url = config.databaseUrl;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, logger, config.embeddedPostgresPort);
    url = embedded.url;
  }
  const dataSource = createDataSource({
    url,
    entities,
    poolMax: config.dbPoolMax,
    preparedStatements: config.dbPreparedStatements,
    logger: queryLogger,
  });
  try {
    await dataSource.initialize().catch((error: unknown) => {
      throw connectionFailure(error, url, config.databaseUrl !== undefined);
    });
    if (config.migrateOnStart) await migrate(dataSource, logger);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    embedded,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** Says which Postgres could not be reached and what to do about it; never the password. */
function connectionFailure(error: unknown, url: string, configured: boolean): Error {
  const { hostname, port, pathname } = new URL(url);
  const where = `${hostname}:${port || 5432}${pathname}`;
  const reason = error instanceof Error ? error.message : String(error);
  if (!configured)
    return new Error(
      `Cannot connect to the embedded Postgres (DATA_DIR) at ${where}: ${reason}. Restart, or set DATABASE_URL.`,
    );
  const advice =
    isDatabaseUnavailable(error) || /ENOTFOUND|EAI_AGAIN/.test(reason)
      ? 'Start that Postgres or correct DATABASE_URL; unset DATABASE_URL to run an embedded Postgres under DATA_DIR instead.'
      : 'Check the user, password and database name in DATABASE_URL.';
  return new Error(`Cannot connect to Postgres at ${where} (DATABASE_URL): ${reason}. ${advice}`);
}

/** Runs pending migrations under an advisory lock, so replicas starting together migrate once. */
export async function migrate(dataSource: DataSource, logger: Logger): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  // Through the runner's own manager: the lock and its release must use this one connection.
  const db = queryBuilderFor(lock.manager);
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK}) ${tag('migrate:lock')}`.execute(db);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  } finally {
    await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK}) ${tag('migrate:unlock')}`.execute(db).catch(() => undefined);
    await lock.release();
  }
}
