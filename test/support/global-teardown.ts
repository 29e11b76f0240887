import fs from 'node:fs';
import { Client } from 'pg';
import { loadState } from './state';

/** Drops this run's databases (template and per-file clones) and stops an embedded Postgres. */
export default async function globalTeardown(): Promise<void> {
  const { adminUrl, runId, embeddedDataDir } = loadState();
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'gov\\_%' AND datname LIKE '%' || $1 || '%'`,
    [runId],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await admin.end();
  const embedded = (globalThis as { __embedded?: { stop(): Promise<void> } }).__embedded;
  if (embedded) {
    await embedded.stop();
    if (embeddedDataDir) fs.rmSync(embeddedDataDir, { recursive: true, force: true });
  }
}
