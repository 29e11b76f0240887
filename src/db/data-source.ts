import { DataSource, type DataSourceOptions as TypeOrmOptions, type Logger } from 'typeorm';
import { migrations } from '../../migrations';
import { PostgresNamingStrategy } from './naming-strategy';
import { installTypeParsers } from './pg-types';
import { disablePreparedStatements } from './kysely';

export interface DataSourceOptions {
  url: string;
  /** The entity classes (src/entities.ts): features own them, db/ imports none. */
  entities: NonNullable<TypeOrmOptions['entities']>;
  poolMax?: number;
  /** Receives every query; tests count them, production leaves it out. */
  logger?: Logger;
  applicationName?: string;
  /** Named (prepared) statements on hot paths; off behind a pooler that does not keep them per client. */
  preparedStatements?: boolean;
  /** Longest a statement may run (default 30 s; 0: no limit, for bulk loads such as the benchmark's seed). */
  statementTimeoutMs?: number;
}

export function createDataSource(options: DataSourceOptions): DataSource {
  installTypeParsers();
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    namingStrategy: new PostgresNamingStrategy(),
    uuidExtension: 'pgcrypto',
    synchronize: false,
    logging: options.logger ? ['query', 'error'] : false,
    logger: options.logger,
    extra: {
      max: options.poolMax ?? 10,
      application_name: options.applicationName ?? 'identity-governance',
      // A query stuck longer than this is a bug or an outage; fail it rather than hold a connection.
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      // Short OLTP queries: JIT compilation costs more than it saves (seen: ~1 s on the rescan).
      // The working set lives in memory: with the default random_page_cost (4, tuned for spinning
      // disks) the planner scanned a whole table rather than look up 100 ids (2.5 ms vs 0.5 ms).
      options: '-c jit=off -c random_page_cost=1.1',
      connectionTimeoutMillis: 10_000,
    },
  });
  if (options.preparedStatements === false) disablePreparedStatements(dataSource);
  return dataSource;
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
