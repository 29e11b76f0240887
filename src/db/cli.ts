import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { runCli } from '../cli';
import { projectRoot } from '../paths';
import { migrate } from './database';
import { queryBuilderFor, tag } from './kysely';

/**
 * `npm run db:migrate` applies pending migrations; `npm run db:revert` undoes the last one;
 * `npm run db:draft -- Name` writes a migration skeleton with the SQL that would bring the
 * current database to what the entities describe, for a human to review and finish.
 */
void runCli(
  async ({ database, logger, args }) => {
    const { dataSource } = database;
    const [command, name] = args;
    if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    } else if (command === 'draft') {
      if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error('Usage: npm run db:draft -- PascalCaseName');
      await migrate(dataSource, logger);
      const { upQueries, downQueries } = await dataSource.driver.createSchemaBuilder().log();
      if (upQueries.length === 0) {
        process.stdout.write('The database already matches the entities: nothing to draft.\n');
        return;
      }
      const timestamp = Date.now();
      const file = path.join(projectRoot(), 'migrations', `${timestamp}-${name}.ts`);
      const lines = (queries: typeof upQueries) =>
        queries.map((query) => `    await db.query(${JSON.stringify(query.query)});`).join('\n');
      writeFileSync(
        file,
        `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\n` +
          `/** DRAFT written by db:draft: review every statement, add expression/partial indexes, then list it in migrations/index.ts. */\n` +
          `export class ${name}${timestamp} implements MigrationInterface {\n  name = '${name}${timestamp}';\n\n` +
          `  async up(db: QueryRunner): Promise<void> {\n${lines(upQueries)}\n  }\n\n` +
          `  async down(db: QueryRunner): Promise<void> {\n${lines([...downQueries].reverse())}\n  }\n}\n`,
      );
      process.stdout.write(`drafted ${path.relative(process.cwd(), file)}\n`);
      return;
    } else {
      await migrate(dataSource, logger);
    }
    const { rows: applied } = await sql<{ name: string }>`
      SELECT name FROM schema_migration ORDER BY id ${tag('cli:appliedMigrations')}`.execute(
      queryBuilderFor(dataSource),
    );
    process.stdout.write(`applied: ${applied.map((row) => row.name).join(', ') || '(none)'}\n`);
  },
  { migrate: false },
);
