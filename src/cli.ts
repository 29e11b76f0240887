import 'reflect-metadata';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { openDatabase, type Database } from './db';
import { entities } from './entities';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values'];

/**
 * A command's flags, parsed strictly (node:util parseArgs) before anything else runs: `--help`
 * prints `usage` and exits 0; an unknown flag, a flag without its value or a stray argument
 * exits 2 naming it. A typo never runs the command with a default.
 */
export function commandLine<const O extends Options>(
  usage: string,
  options: O,
  args = process.argv.slice(2),
): Values<O> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nRun with --help for the usage.\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values as Values<O>;
}

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
    database = await openDatabase(
      { ...config, migrateOnStart: options.migrate ?? config.migrateOnStart },
      entities,
      logger,
    );
    await task({ config, logger, database, args: process.argv.slice(2) });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await database?.close();
  }
}
