import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Request as CannonRequest } from 'autocannon';
import pino from 'pino';
import { Client } from 'pg';
import { createDataSource, withDatabase } from '../src/db/data-source';
import { migrate } from '../src/db/database';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded';
import { runMutation } from '../src/db/transaction';
import { conflictMutations } from '../src/conflicts/conflict.service';
import { mintToken } from '../src/auth/tokens';
import { ALL_SCOPES } from '../src/auth/scopes';
import { projectRoot } from '../src/paths';
import { seedBenchDataset } from './dataset';

/**
 * `npm run bench [-- --quick] [--rate-limits]`: seeds an organization at realistic size (100,000 accounts and
 * SCIM records, 5,000 open conflicts, 50 domains; --quick: 10,000), starts the built server and
 * a raw-SQL floor server as processes of their own, drives them with autocannon from this one,
 * and prints each scenario against its target (also written to bench/results/latest.md).
 */

const ROOT = projectRoot();
// As `npm start` runs the server: without a bound V8 lets garbage reach ~390 MB RSS under the
// conflict-queue load before collecting; with it RSS stays near 150 MB at the same throughput.
const SERVER_NODE_FLAGS = ['--max-old-space-size=192'];
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-signing';
const quick = process.argv.includes('--quick');
// --rate-limits: the limits run (on Postgres, as in production) with budgets no scenario reaches,
// so the table shows what counting costs; without it they are off.
const withRateLimits = process.argv.includes('--rate-limits');
const ACCOUNTS = quick ? 10_000 : 100_000;
const DURATION = quick ? 5 : 10;
const logger = pino({ level: 'warn' });

interface Row {
  scenario: string;
  target: string;
  rps: number | null;
  p50: number | null;
  p99: number | null;
  errors: number;
  floor: string;
  ratio: number | null;
  met: boolean;
  note: string;
}

async function main(): Promise<void> {
  const { adminUrl, embedded } = await postgresServer();
  const database = `governance_bench_${ACCOUNTS}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = withDatabase(adminUrl, database);

  process.stdout.write(`Seeding ${ACCOUNTS.toLocaleString()} accounts and records...\n`);
  const db = createDataSource({ url, poolMax: 4 });
  await db.initialize();
  await migrate(db, logger);
  const seeded = Date.now();
  const dataset = await seedBenchDataset(db, ACCOUNTS);
  const caller = { organizationId: dataset.organizationId, actor: 'bench', requestId: null };
  await runMutation(db, caller, { action: 'detectConflicts', args: {} }, {}, async (m) => {
    await conflictMutations.detect(m);
    return { userErrors: [] };
  });
  await db.query('ANALYZE conflict');
  const [{ open }] = await db.query(
    `SELECT count(*)::int AS open FROM conflict WHERE status = 'OPEN' AND organization_id = $1`,
    [dataset.organizationId],
  );
  process.stdout.write(`Seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s: ${open} open conflicts.\n`);

  const accountIds: string[] = (
    await db.query(`SELECT id FROM account WHERE organization_id = $1 ORDER BY random() LIMIT 1000`, [
      dataset.organizationId,
    ])
  ).map((row: { id: string }) => row.id);
  // For the 409 scenario: records whose users the IdP moves onto an address another account holds.
  const moves: Array<{ id: string; body: string }> = (
    await db.query(
      `SELECT r.id, r.external_id, r.user_name, h.email AS taken FROM scim_record r
         JOIN account h ON h.organization_id = r.organization_id AND h.email = 'user' || (substring(r.user_name from 'user(\\d+)@')::int + 1) || '@d' || ((substring(r.user_name from 'user(\\d+)@')::int + 1) % 47) || '.bench.example'
        WHERE r.directory_id = $1 AND r.sync_status = 'SYNCED' LIMIT 2000`,
      [dataset.directoryIds[0]],
    )
  ).map((row: { id: string; external_id: string; user_name: string; taken: string }) => ({
    id: row.id,
    body: JSON.stringify(scimUser(row.external_id, row.user_name, row.taken)),
  }));
  await db.destroy();

  const token = await mintToken({
    secret: SECRET,
    subject: 'bench',
    organizationId: dataset.organizationId,
    scopes: ALL_SCOPES,
    expiresIn: '2h',
  });
  const serverPort = await freePort();
  const rawPort = await freePort();
  const server = await startProcess(
    'server',
    'dist/src/main.js',
    {
      DATABASE_URL: url,
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      DB_POOL_MAX: '20',
      RETRY_WORKER_ENABLED: 'false',
      RATE_LIMIT_MUTATIONS_PER_MINUTE: withRateLimits ? '1000000' : '0',
      RATE_LIMIT_SCIM_PER_MINUTE: withRateLimits ? '10000000' : '0',
    },
    /subgraph ready/,
    'info',
  );
  const raw = await startProcess(
    'raw',
    'dist/bench/raw-server.js',
    { DATABASE_URL: url, PORT: String(rawPort), BENCH_ORGANIZATION_ID: dataset.organizationId, DB_POOL_MAX: '20' },
    /raw server ready/,
  );
  const memory = watchMemory(server.child.pid!);

  const graphql = `http://127.0.0.1:${serverPort}/graphql`;
  const scim = `http://127.0.0.1:${serverPort}/scim/directory/${dataset.directoryIds[0]}/Users`;
  const gqlHeaders = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const scimHeaders = {
    'content-type': 'application/scim+json',
    authorization: `Bearer ${dataset.directoryTokens[0]}`,
  };
  const rows: Row[] = [];
  const withMemory = (r: Row): Row => ({
    ...r,
    note: [r.note, `server RSS max ${memory.mark()} MB`].filter(Boolean).join('; '),
  });
  // One line as each scenario starts and one as it ends: a full run takes minutes.
  const SCENARIOS = 7;
  const startedAt = Date.now();
  const begin = (name: string, seconds: number) =>
    process.stdout.write(`[${rows.length + 1}/${SCENARIOS}] ${name} (about ${seconds} s)...\n`);
  const record = (r: Row) => {
    rows.push(r);
    const figures =
      r.rps === null ? `p50 ${r.p50} ms, slowest ${r.p99} ms` : `${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`;
    process.stdout.write(
      `      ${figures}, ${r.errors} errors: target ${r.met ? 'met' : 'NOT met'} (${r.target}); ${Math.round((Date.now() - startedAt) / 1000)} s so far\n`,
    );
  };
  const withFloor = 2 * (2 + DURATION);
  const alone = 2 + DURATION;
  process.stdout.write(`Server and raw-SQL floor up; ${SCENARIOS} scenarios.\n`);

  try {
    // 1. The portal's conflict queue.
    begin('Conflict queue', withFloor);
    const queue = JSON.stringify({
      query: `query ConflictQueue { conflicts(first: 50, filter: { status: OPEN }) { edges { cursor node {
        id kind summary detectedAt
        account { id email status managed } conflictingAccount { id email status managed }
        scimRecord { id userName email syncStatus lastError } directory { id name }
        remediation { action arguments done }
      } } pageInfo { hasNextPage endCursor } } }`,
    });
    const queueRun = await load({ url: graphql, method: 'POST', headers: gqlHeaders, body: queue, connections: 16 });
    const queueFloor = await load({ url: `http://127.0.0.1:${rawPort}/conflicts`, method: 'POST', connections: 16 });
    record(
      withMemory(
        row(
          'Conflict queue: conflicts(first: 50, OPEN) + accounts, record, directory, remediation',
          '>= 1,000 req/s, p99 <= 50 ms, >= 0.5 of floor',
          queueRun,
          queueFloor,
          (r) => r.rps! >= 1000 && r.p99! <= 50 && r.ratio! >= 0.5,
        ),
      ),
    );

    // 2. Account search by email prefix.
    begin('Account search', withFloor);
    const prefixes = Array.from({ length: 500 }, (_, i) => `user${(i * 7919) % ACCOUNTS}`);
    let next = 0;
    const searchBody = (prefix: string) =>
      JSON.stringify({
        query: `query AccountSearch($prefix: String!) { accounts(filter: { emailPrefix: $prefix }, first: 20) { edges { node { id email status managed domain { id name status } conflicts(status: OPEN) { id kind } } } } }`,
        variables: { prefix },
      });
    const searchRun = await load({
      url: graphql,
      connections: 16,
      requests: [
        {
          method: 'POST',
          headers: gqlHeaders,
          setupRequest: (request) => ({ ...request, body: searchBody(prefixes[next++ % prefixes.length]) }),
        },
      ],
    });
    const searchFloor = await load({
      url: `http://127.0.0.1:${rawPort}`,
      connections: 16,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => ({ ...request, path: `/accounts?prefix=${prefixes[next++ % prefixes.length]}` }),
        },
      ],
    });
    record(
      withMemory(
        row(
          'Account search: accounts(emailPrefix, first: 20) + domain, open conflicts',
          '>= 1,500 req/s, p99 <= 40 ms',
          searchRun,
          searchFloor,
          (r) => r.rps! >= 1500 && r.p99! <= 40,
        ),
      ),
    );

    // 3. The gateway resolving 1,000 accounts at once.
    begin('_entities with 1,000 representations', alone);
    const entities = JSON.stringify({
      query: `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { id email status } } }`,
      variables: { representations: accountIds.map((id) => ({ __typename: 'Account', id })) },
    });
    const entitiesRun = await load({
      url: graphql,
      method: 'POST',
      headers: gqlHeaders,
      body: entities,
      connections: 2,
    });
    record(
      withMemory(
        row('_entities with 1,000 Account representations', '<= 50 ms p50', entitiesRun, null, (r) => r.p50! <= 50),
      ),
    );

    // 4. SCIM creates, 8 clients.
    begin('SCIM creates', alone);
    let created = 0;
    const runId = Date.now().toString(36);
    const createRun = await load({
      url: scim,
      connections: 8,
      requests: [
        {
          method: 'POST',
          headers: scimHeaders,
          setupRequest: (request) => {
            const n = created++;
            return {
              ...request,
              body: JSON.stringify(scimUser(`bench-${runId}-${n}`, `new${runId}${n}@d${n % 47}.bench.example`)),
            };
          },
        },
      ],
    });
    record(
      withMemory(
        row(
          'SCIM POST /Users, 8 concurrent clients',
          '>= 1,000 creates/s, 0 errors',
          createRun,
          null,
          (r) => r.rps! >= 1000 && r.errors === 0,
        ),
      ),
    );

    // 5. SCIM email changes that conflict: 409, the push stored, the conflict opened or kept.
    begin('SCIM email changes that conflict', alone);
    let moved = 0;
    const conflictRun = await load({
      url: scim,
      connections: 8,
      expectStatus: [409],
      requests: [
        {
          method: 'PUT',
          headers: scimHeaders,
          setupRequest: (request) => {
            const move = moves[moved++ % moves.length];
            return { ...request, path: `${new URL(scim).pathname}/${move.id}`, body: move.body };
          },
        },
      ],
    });
    record(
      withMemory(
        row(
          'SCIM email change that conflicts (409, conflict opened)',
          '>= 800 req/s',
          conflictRun,
          null,
          (r) => r.rps! >= 800 && r.errors === 0,
        ),
      ),
    );

    // 6. The organization-wide rescan.
    begin('detectConflicts full rescan, 3 runs', 6);
    const rescans: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(graphql, {
        method: 'POST',
        headers: gqlHeaders,
        body: JSON.stringify({ query: 'mutation { detectConflicts { openedCount resolvedCount } }' }),
      });
      if (!response.ok) throw new Error(`detectConflicts answered ${response.status}`);
      rescans.push(performance.now() - started);
    }
    const slowest = Math.max(...rescans);
    record(
      withMemory({
        scenario: `detectConflicts full rescan (${ACCOUNTS.toLocaleString()} accounts / records)`,
        target: '<= 2 s',
        rps: null,
        p50: Math.round(median(rescans)),
        p99: Math.round(slowest),
        errors: 0,
        floor: '',
        ratio: null,
        met: slowest <= 2000,
        note: `runs: ${rescans.map((ms) => `${Math.round(ms)} ms`).join(', ')}`,
      }),
    );

    // 7. Hostile traffic: every request refused, and memory stays bounded while refusing.
    begin('Hostile traffic', alone);
    const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: organization { name }`).join(' ')} }`;
    const hostileRun = await load({
      url: graphql,
      method: 'POST',
      headers: gqlHeaders,
      connections: 16,
      requests: [
        { method: 'POST', body: JSON.stringify({ query: `{ organization { name } } ${'#'.repeat(1_100_000)}` }) },
        { method: 'POST', body: JSON.stringify({ query: aliasBomb }) },
        { method: 'POST', body: '{"query": [[[[[[[[[' },
      ],
      expectStatus: [400, 413],
    });
    record(
      withMemory(
        row(
          'Hostile traffic: 1.1 MB bodies, alias bombs, malformed JSON',
          'every one refused (400/413)',
          hostileRun,
          null,
          (r) => r.errors === 0,
        ),
      ),
    );
  } finally {
    memory.stop();
    await stopProcess(server.child);
    await stopProcess(raw.child);
    await embedded?.stop();
  }

  rows.push({
    scenario: 'Memory: server RSS, highest through every scenario',
    target: '<= 300 MB',
    rps: null,
    p50: null,
    p99: null,
    errors: 0,
    floor: '',
    ratio: null,
    met: memory.maxMb() <= 300,
    note: `${memory.maxMb()} MB`,
  });
  report(rows);
}

function scimUser(externalId: string, userName: string, email = userName) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    externalId,
    userName,
    name: { givenName: 'Bench', familyName: externalId },
    emails: [{ value: email, type: 'work', primary: true }],
    active: true,
  };
}

interface LoadOptions {
  url: string;
  method?: 'POST' | 'PUT' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  requests?: CannonRequest[];
  /** Statuses that count as success (default 200/201). */
  expectStatus?: number[];
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A short warm-up, then the measured run. Errors count transport errors and unexpected statuses. */
async function load(options: LoadOptions): Promise<LoadResult> {
  const config = {
    url: options.url,
    method: options.method,
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    requests: options.requests,
    expectBody: undefined,
  };
  await autocannon({ ...config, duration: 2 });
  const result = await autocannon({ ...config, duration: DURATION });
  const expected = options.expectStatus ?? [200, 201];
  const unexpected = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !expected.includes(Number(status)))
    .reduce((sum, [, stats]) => sum + (stats as { count: number }).count, 0);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + unexpected,
  };
}

function row(
  scenario: string,
  target: string,
  run: LoadResult,
  floor: LoadResult | null,
  met: (r: Row) => boolean,
): Row {
  const partial: Row = {
    scenario,
    target,
    rps: run.rps,
    p50: run.p50,
    p99: run.p99,
    errors: run.errors,
    floor: floor ? `${floor.rps} req/s, p99 ${floor.p99} ms` : '',
    ratio: floor ? Math.round((run.rps / floor.rps) * 100) / 100 : null,
    met: false,
    note: '',
  };
  return { ...partial, met: met(partial) };
}

function report(rows: Row[]): void {
  const cpus = os.cpus();
  const header = [
    `# Benchmark results`,
    '',
    `${new Date().toISOString()} · ${ACCOUNTS.toLocaleString()} accounts · ${cpus.length} × ${cpus[0]?.model.trim()} · Node ${process.version} · load from a separate process (autocannon), ${DURATION} s per scenario after a 2 s warm-up · rate limits ${withRateLimits ? 'on (shared, budgets never reached)' : 'off'}`,
    '',
    '| scenario | target | req/s | p50 ms | p99 ms | errors | raw-SQL floor | ratio | met | notes |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |',
  ];
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.target} | ${r.rps ?? ''} | ${r.p50 ?? ''} | ${r.p99 ?? ''} | ${r.errors} | ${r.floor} | ${r.ratio ?? ''} | ${r.met ? 'yes' : '**no**'} | ${r.note} |`,
  );
  const markdown = `${[...header, ...lines].join('\n')}\n`;
  process.stdout.write(`\n${markdown}`);
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const name = `latest${quick ? '-quick' : ''}${withRateLimits ? '-rate-limits' : ''}.md`;
  writeFileSync(path.join(ROOT, 'bench', 'results', name), markdown);
}

async function postgresServer(): Promise<{ adminUrl: string; embedded?: EmbeddedDatabase }> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { adminUrl: given };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'governance-bench-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir, logger);
  return { adminUrl: embedded.url, embedded };
}

async function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  logLevel?: string,
) {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, ...(logLevel ? { LOG_LEVEL: logLevel } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  // Keep draining its output so the pipe never blocks it.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  return { child };
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Samples the server's resident memory from /proc while the scenarios run. */
function watchMemory(pid: number) {
  let max = 0;
  let sinceMark = 0;
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      max = Math.max(max, kb);
      sinceMark = Math.max(sinceMark, kb);
    } catch {
      // The process is gone.
    }
  };
  const timer = setInterval(sample, 200);
  sample();
  return {
    stop: () => clearInterval(timer),
    maxMb: () => Math.round(max / 1024),
    /** The highest RSS since the last call, in MB. */
    mark: () => {
      const mb = Math.round(sinceMark / 1024);
      sinceMark = 0;
      return mb;
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
