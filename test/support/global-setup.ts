import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { createDataSource, withDatabase } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { migrate } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { saveState } from './state';

/**
 * Finds a real Postgres (TEST_DATABASE_URL, DATABASE_URL, or an embedded one started here when
 * neither is set), migrates a template database once, and leaves its name for the test files,
 * which each clone it into a database of their own.
 */
export default async function globalSetup(): Promise<void> {
  const logger = pino({ level: 'warn' });
  let adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let embeddedDataDir: string | undefined;
  if (!adminUrl) {
    embeddedDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'governance-test-pg-'));
    fs.chmodSync(embeddedDataDir, 0o755);
    const embedded = await startEmbeddedPostgres(embeddedDataDir, logger);
    adminUrl = embedded.url;
    (globalThis as { __embedded?: typeof embedded }).__embedded = embedded;
  }

  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const template = `gov_template_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const dataSource = createDataSource({ url: withDatabase(adminUrl, template), entities, poolMax: 2 });
  await dataSource.initialize();
  await migrate(dataSource, logger);
  await dataSource.destroy();

  saveState({ adminUrl, template, runId, embeddedDataDir });
}
