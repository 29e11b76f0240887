import 'reflect-metadata';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { openDatabase, type Database } from './db/database';

/**
 * Runs a command-line task against the same database the server uses (DATABASE_URL, or the
 * embedded Postgres under DATA_DIR, shared with a running server), then closes it.
 */
export async function runCli(
  task: (ctx: { config: Config; logger: Logger; database: Database; args: string[] }) => Promise<void>,
  options: { migrate?: boolean } = {},
): Promise<void> {
  let database: Database | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
    database = await openDatabase({ ...config, migrateOnStart: options.migrate ?? config.migrateOnStart }, logger);
    await task({ config, logger, database, args: process.argv.slice(2) });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await database?.close();
  }
}
