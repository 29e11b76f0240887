import { sql } from 'kysely';
import { queryBuilderFor } from '../../src/db';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Reads through the pool run as prepared statements (parsed once per connection). A migration
 * applied by another instance while this one serves may change a table's columns: Postgres then
 * refuses a prepared SELECT * ("cached plan must not change result type"), and the read is
 * prepared anew rather than failing.
 */
describe('prepared reads', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 4 });
    await db.dataSource.query(`CREATE TABLE prepared_probe (id int PRIMARY KEY)`);
    await db.dataSource.query(`INSERT INTO prepared_probe VALUES (1), (2)`);
  });
  afterAll(async () => {
    await db.drop();
  });

  const readAll = () =>
    Promise.all(
      Array.from({ length: 12 }, () =>
        sql<Record<string, unknown>>`SELECT * FROM prepared_probe ORDER BY id`.execute(queryBuilderFor(db.dataSource)),
      ),
    );

  it('answers the same read again after a migration added a column to its table', async () => {
    // Prepared on every connection of the pool.
    for (const result of await readAll()) expect(result.rows).toEqual([{ id: 1 }, { id: 2 }]);
    await db.dataSource.query(`ALTER TABLE prepared_probe ADD COLUMN note text NOT NULL DEFAULT 'x'`);
    for (const result of await readAll())
      expect(result.rows).toEqual([
        { id: 1, note: 'x' },
        { id: 2, note: 'x' },
      ]);
  });

  it('names no statement with DB_PREPARED_STATEMENTS=false (behind a pooler that does not keep them)', async () => {
    const unprepared = await createTestDatabase({ poolMax: 1, preparedStatements: false });
    try {
      const kysely = queryBuilderFor(unprepared.dataSource);
      await sql`SELECT 1 AS one`.execute(kysely);
      const { rows } = await sql<{ count: number }>`SELECT count(*)::int AS count FROM pg_prepared_statements`.execute(
        kysely,
      );
      expect(rows).toEqual([{ count: 0 }]);
    } finally {
      await unprepared.drop();
    }
    // The same reads on a data source with them on: named, kept by the connection.
    const prepared = await createTestDatabase({ poolMax: 1 });
    try {
      const kysely = queryBuilderFor(prepared.dataSource);
      await sql`SELECT 1 AS one`.execute(kysely);
      const { rows } = await sql<{ count: number }>`SELECT count(*)::int AS count FROM pg_prepared_statements`.execute(
        kysely,
      );
      expect(rows[0].count).toBeGreaterThan(0);
    } finally {
      await prepared.drop();
    }
  });
});
