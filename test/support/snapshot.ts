import type { DataSource } from 'typeorm';

/** Every table's full contents as one text per table: equal fingerprints mean nothing was written. */
export async function tableContents(db: DataSource): Promise<Record<string, string>> {
  const tables: Array<{ tablename: string }> = await db.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migration' ORDER BY tablename`,
  );
  const contents: Record<string, string> = {};
  for (const { tablename } of tables) {
    const [row]: Array<{ rows: string }> = await db.query(
      `SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS rows FROM "${tablename}" t`,
    );
    contents[tablename] = row.rows;
  }
  return contents;
}
