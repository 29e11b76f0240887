import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import pino from 'pino';
import { RetryWorker } from '../../src/workflows/retry-worker';
import { seedDemo } from '../../src/seed/demo';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/app';

interface Step {
  /** A `sh` block of the README, run as written. */
  commands: string;
  /** The `json` blocks that follow it: what those commands print. */
  output: string;
}

/** The `sh` blocks of one README section, each with the `json` blocks shown after it. */
function readmeSteps(section: string): Step[] {
  const readme = fs.readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`README has no "## ${section}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  for (const [, language, body] of text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    if (language === 'sh') steps.push({ commands: body, output: '' });
    else if (language === 'json' && steps.length > 0) steps[steps.length - 1].output += body;
  }
  return steps;
}

const ids = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');

/**
 * README's "Example", copied verbatim into bash against a freshly seeded server, prints what the
 * README shows (ids aside, which differ on every seed). Only the port differs: 4000 may be taken.
 */
describe('README example', () => {
  let db: TestDatabase;
  let app: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemo(db.dataSource);
    app = await startTestServer(db.dataSource);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'governance-readme-'));
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the output README shows, command block by command block', async () => {
    const steps = readmeSteps('Example');
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.every((step) => step.output.length > 0)).toBe(true);

    const port = new URL(app.url).port;
    const marker = (i: number) => `--- end of README block ${i} ---`;
    const script = steps
      .map((step, i) => `${step.commands.replaceAll('localhost:4000', `localhost:${port}`)}echo '${marker(i)}'\n`)
      .join('');
    const result = await bash(script, {
      // `npm run -s token` mints with the key this test server verifies, against its database.
      DATABASE_URL: db.url,
      JWT_SECRET: TEST_JWT_SECRET,
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    let rest = result.stdout;
    for (const [i, step] of steps.entries()) {
      const [printed, after] = rest.split(`${marker(i)}\n`);
      expect({ block: i, printed: ids(printed).trim() }).toEqual({ block: i, printed: ids(step.output).trim() });
      rest = after;
    }
  }, 120_000);
});

/** What README says a reader sees when the retry worker resyncs between the rename and the resync. */
describe('README example, when the retry worker gets there first', () => {
  let db: TestDatabase;
  let app: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('answers the resync SYNCED with no resolved conflicts; the conflict names the worker', async () => {
    const demo = await seedDemo(db.dataSource);
    const token = await app.token(demo.acme.organizationId);
    const renamed = await app.gql(
      `mutation($id: ID!) { renameAccountEmail(accountId: $id) { userErrors { code } } }`,
      { id: demo.acme.accounts.aliceSmith },
      { token },
    );
    expect(renamed.data).toEqual({ renameAccountEmail: { userErrors: [] } });
    // Its backoff runs out now instead of in a minute.
    await db.dataSource.query(`UPDATE scim_record SET next_retry_at = now() WHERE id = $1`, [demo.acme.records.alice]);
    const worker = new RetryWorker(db.dataSource, pino({ level: 'silent' }), { intervalMs: 60_000, batchSize: 50 });
    expect(await worker.runOnce()).toMatchObject({ synced: 1 });

    const resynced = await app.gql(
      `mutation($id: ID!) { resyncScimRecord(id: $id) { userErrors { code } scimRecord { syncStatus } resolvedConflicts { kind } } }`,
      { id: demo.acme.records.alice },
      { token },
    );
    expect(resynced.data).toEqual({
      resyncScimRecord: { userErrors: [], scimRecord: { syncStatus: 'SYNCED' }, resolvedConflicts: [] },
    });
    const conflict = await app.gql(
      `query($id: ID!) { conflict(id: $id) { status resolution closedBy } }`,
      { id: demo.acme.conflicts.emailTaken },
      { token },
    );
    expect(conflict.data).toEqual({
      conflict: { status: 'RESOLVED', resolution: 'resyncScimRecord', closedBy: 'system:retry' },
    });
  });
});

function bash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-s'], {
      cwd: projectRoot(),
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(script);
  });
}
