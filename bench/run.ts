import 'reflect-metadata';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Request as CannonRequest } from 'autocannon';
import pino from 'pino';
import { Client } from 'pg';
import {
  ALL_SCOPES,
  SERVER_ENTRY,
  SERVER_READY,
  conflictMutations,
  createDataSource,
  entities,
  freePort,
  migrate,
  mintToken,
  projectRoot,
  runMutation,
  startEmbeddedPostgres,
  withDatabase,
  type EmbeddedDatabase,
} from './project';
import { seedBenchDataset } from './dataset';

/**
 * `npm run bench [-- --quick] [-- --accounts N] [-- --rounds N]`: seeds an organization at
 * realistic size (100,000 accounts and SCIM records, 5,000 open conflicts, 50 domains; --quick:
 * 10,000), starts the built server, PostGraphile v4 over the same database (bench/peer) and the
 * raw-SQL floors as processes of their own, and drives them with autocannon from this one. Each
 * scenario runs its sides in alternating rounds (ours, PostGraphile, floor, ours, ...) and reports
 * medians; the targets are ratios within the run. The report goes to bench/results/.
 */

const ROOT = projectRoot();
const args = process.argv.slice(2);
const option = (name: string): number | null => {
  const at = args.indexOf(name);
  if (at < 0) return null;
  const value = Number(args[at + 1]?.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive whole number`);
  return value;
};
const quick = args.includes('--quick');
const accountsOption = option('--accounts');
const ACCOUNTS = accountsOption ?? (quick ? 10_000 : 100_000);
const ROUNDS = option('--rounds') ?? (quick ? 2 : 3);
const DURATION = quick ? 5 : 10;
const WARMUP = quick ? 1 : 2;
const REFERENCE_ACCOUNTS = 100_000;
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const resultsFile = (accounts: number) =>
  path.join(
    RESULTS_DIR,
    accounts === REFERENCE_ACCOUNTS ? 'latest.md' : accounts === 10_000 ? 'latest-quick.md' : `latest-${accounts}.md`,
  );

// As `npm start` runs the server: without a bound V8 lets garbage reach ~390 MB RSS under the
// conflict-queue load before collecting; with it RSS stays near 150 MB at the same throughput.
// The larger young generation halves the time 16 concurrent requests spend scavenging (ADR 0004).
const SERVER_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=32'];
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-signing';
const READ_CONNECTIONS = 16;
const SCIM_CONNECTIONS = 8;
const logger = pino({ level: 'warn' });

async function main(): Promise<void> {
  if (ACCOUNTS < 2_000) throw new Error('--accounts must be at least 2,000');
  ensurePeerInstalled();
  const { adminUrl, embedded } = await postgresServer();
  try {
    await bench(adminUrl, embedded !== undefined);
  } finally {
    // Also when something failed half-way: no server or Postgres is left running.
    await Promise.all(running.map(stopProcess));
    await embedded?.stop();
    if (embedded) rmSync(embedded.dataDir, { recursive: true, force: true });
  }
}

async function bench(adminUrl: string, embedded: boolean): Promise<void> {
  const database = `governance_bench_${ACCOUNTS}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = withDatabase(adminUrl, database);

  progress(`Seeding ${ACCOUNTS.toLocaleString()} accounts and records...\n`);
  // Seeding a million accounts and rescanning them takes statements longer than the server's 30 s bound.
  const db = createDataSource({ url, entities, poolMax: 4, statementTimeoutMs: 0 });
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
  const [{ open }] = await db.query<Array<{ open: number }>>(
    `SELECT count(*)::int AS open FROM conflict WHERE status = 'OPEN' AND organization_id = $1`,
    [dataset.organizationId],
  );
  progress(`Seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s: ${open} open conflicts.\n`);
  // PostGraphile's role, row-level security, computed columns and search function, this database only.
  await db.query(readFileSync(path.join(ROOT, 'bench', 'peer', 'schema.sql'), 'utf8'));

  const accountIds = (
    await db.query<Array<{ id: string }>>(
      `SELECT id FROM account WHERE organization_id = $1 ORDER BY random() LIMIT 1000`,
      [dataset.organizationId],
    )
  ).map((row) => row.id);
  // For the 409 scenario: records whose users the IdP moves onto an address another account holds.
  const moves = (
    await db.query<Array<{ id: string; external_id: string; user_name: string; taken: string }>>(
      `SELECT r.id, r.external_id, r.user_name, h.email AS taken FROM scim_record r
         JOIN account h ON h.organization_id = r.organization_id AND h.email = 'user' || (substring(r.user_name from 'user(\\d+)@')::int + 1) || '@d' || ((substring(r.user_name from 'user(\\d+)@')::int + 1) % 47) || '.bench.example'
        WHERE r.directory_id = $1 AND r.sync_status = 'SYNCED' LIMIT 2000`,
      [dataset.directoryIds[0]],
    )
  ).map((row) => ({
    id: row.id,
    body: JSON.stringify(scimUser(row.external_id, row.user_name, row.taken)),
  }));
  await db.destroy();
  const statements = await statementCounter(url);
  const postgresVersion = await serverVersion(url);

  const token = await mintToken({
    secret: SECRET,
    subject: 'bench',
    organizationId: dataset.organizationId,
    scopes: ALL_SCOPES,
    expiresIn: '2h',
  });
  const [serverPort, rawPort, peerPort] = [await freePort(), await freePort(), await freePort()];
  const serverPid = await startProcess(
    'server',
    SERVER_ENTRY,
    {
      DATABASE_URL: url,
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'info',
      DB_POOL_MAX: '20',
      RETRY_WORKER_ENABLED: 'false',
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
      RATE_LIMIT_SCIM_PER_MINUTE: '0',
    },
    SERVER_READY,
    SERVER_NODE_FLAGS,
  );
  const pool = { DATABASE_URL: url, BENCH_ORGANIZATION_ID: dataset.organizationId, DB_POOL_MAX: '20' };
  const rawPid = await startProcess(
    'raw',
    'dist/bench/raw-server.js',
    { ...pool, PORT: String(rawPort) },
    /raw server ready/,
  );
  const peerPid = await startProcess(
    'postgraphile',
    'bench/peer/server.js',
    { ...pool, PORT: String(peerPort), JWT_SECRET: SECRET, NODE_ENV: 'production' },
    /postgraphile ready/,
  );
  const memory = watchMemory(serverPid);
  const peerMemory = watchMemory(peerPid);
  const cpu = await cpuWatch(url, embedded, [serverPid, rawPid, peerPid, process.pid]);
  const loadBefore = os.loadavg()[0];

  const ours = `http://127.0.0.1:${serverPort}/graphql`;
  const postgraphile = `http://127.0.0.1:${peerPort}/graphql`;
  const postgraphileOwner = `http://127.0.0.1:${peerPort}/owner/graphql`;
  const floor = `http://127.0.0.1:${rawPort}`;
  const scimPath = `/scim/directory/${dataset.directoryIds[0]}/Users`;
  const json = { 'content-type': 'application/json' };
  const bearer = { ...json, authorization: `Bearer ${token}` };
  const scimHeaders = {
    'content-type': 'application/scim+json',
    authorization: `Bearer ${dataset.directoryTokens[0]}`,
  };
  const servers = new Map([
    [String(serverPort), serverPid],
    [String(peerPort), peerPid],
    [String(rawPort), rawPid],
  ]);
  const servingPid = (url: string) => {
    const pid = servers.get(new URL(url).port);
    if (pid === undefined) throw new Error(`None of the benchmark's processes serves ${url}`);
    return pid;
  };
  const measure = measurer(statements, cpu, servingPid);
  const scenario = (key: string, title: string, sides: Side[]) => runScenario(key, title, sides, measure, memory.mark);
  const results: Results = { scenarios: [], rescans: [], hostile: null };

  try {
    // 1. The portal's conflict queue: the same fields from every side; remediation only on ours and the floor.
    const queueFields = `id kind summary detectedAt
        account { id email status managed } conflictingAccount { id email status managed }
        scimRecord { id userName email syncStatus lastError } directory { id name }`;
    const oursQueue = (remediation: string) =>
      JSON.stringify({
        query: `query ConflictQueue { conflicts(first: 50, filter: { status: OPEN }) { edges { cursor node {
          ${queueFields} ${remediation} } } pageInfo { hasNextPage endCursor } } }`,
      });
    const peerQueue = (condition: string) =>
      JSON.stringify({
        query: `query ConflictQueue { conflicts(first: 50, condition: { status: "OPEN"${condition} }, orderBy: [DETECTED_AT_DESC, ID_DESC]) {
          edges { cursor node { ${queueFields} } } pageInfo { hasNextPage endCursor } } }`,
      });
    results.scenarios.push(
      await scenario('queue', 'Conflict queue: conflicts(first: 50, OPEN) + account, holder, record, directory', [
        side('ours', 'ours', { url: ours, method: 'POST', headers: bearer, body: oursQueue('') }),
        side('postgraphile', 'PostGraphile', {
          url: postgraphile,
          method: 'POST',
          headers: bearer,
          body: peerQueue(''),
        }),
        side('floor', 'raw floor', { url: `${floor}/conflicts?remediation=0`, method: 'GET' }),
        side('oursRemediation', 'ours + remediation', {
          url: ours,
          method: 'POST',
          headers: bearer,
          body: oursQueue('remediation { action arguments done }'),
        }),
        side('floorRemediation', 'raw floor + remediation', { url: `${floor}/conflicts`, method: 'GET' }),
        side('postgraphileOwner', 'PostGraphile, no RLS', {
          url: postgraphileOwner,
          method: 'POST',
          headers: json,
          body: peerQueue(`, organizationId: "${dataset.organizationId}"`),
        }),
      ]),
    );

    // 2. Account search by email prefix: every side walks the same prefixes in the same order.
    const prefixes = Array.from({ length: 500 }, (_, i) => `user${(i * 7919) % ACCOUNTS}`);
    const rotating = (make: (prefix: string) => Partial<CannonRequest>): CannonRequest[] => {
      let next = 0;
      return [{ setupRequest: (request) => ({ ...request, ...make(prefixes[next++ % prefixes.length]) }) }];
    };
    const oursSearch = (prefix: string) =>
      JSON.stringify({
        query: `query AccountSearch($prefix: String!) { accounts(filter: { emailPrefix: $prefix }, first: 20) { edges { node {
          id email status managed domain { id name status } conflicts(status: OPEN) { id kind } } } } }`,
        variables: { prefix },
      });
    const peerSearch = (prefix: string) =>
      JSON.stringify({
        query: `query AccountSearch($prefix: String!) { searchAccounts(prefix: $prefix, first: 20) { edges { node {
          id email status managed domain { id name status } openConflicts { nodes { id kind } } } } } }`,
        variables: { prefix },
      });
    results.scenarios.push(
      await scenario('search', 'Account search: 20 accounts by email prefix + domain, open conflicts', [
        side('ours', 'ours', {
          url: ours,
          method: 'POST',
          headers: bearer,
          requests: () => rotating((prefix) => ({ body: oursSearch(prefix) })),
        }),
        side('postgraphile', 'PostGraphile', {
          url: postgraphile,
          method: 'POST',
          headers: bearer,
          requests: () => rotating((prefix) => ({ body: peerSearch(prefix) })),
        }),
        side('floor', 'raw floor', {
          url: floor,
          method: 'GET',
          requests: () => rotating((prefix) => ({ path: `/accounts?prefix=${prefix}` })),
        }),
        side('postgraphileOwner', 'PostGraphile, no RLS', {
          url: postgraphileOwner,
          method: 'POST',
          headers: json,
          requests: () => rotating((prefix) => ({ body: peerSearch(prefix) })),
        }),
      ]),
    );

    // 3. The gateway resolving 1,000 accounts at once.
    const entities = JSON.stringify({
      query: `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { id email status } } }`,
      variables: { representations: accountIds.map((id) => ({ __typename: 'Account', id })) },
    });
    results.scenarios.push(
      await scenario('entities', '_entities with 1,000 Account representations', [
        side('ours', 'ours', { url: ours, method: 'POST', headers: bearer, body: entities, connections: 2 }),
      ]),
    );

    // 4. SCIM creates, 8 clients, against the raw write floor's one transaction per create.
    const runId = Date.now().toString(36);
    const creates = (tag: string, extra: Partial<CannonRequest>) => (): CannonRequest[] => {
      let n = 0;
      return [
        {
          ...extra,
          method: 'POST',
          setupRequest: (request) => {
            const i = n++;
            const body = scimUser(`bench-${runId}-${tag}-${i}`, `new${runId}${tag}${i}@d${i % 47}.bench.example`);
            return { ...request, body: JSON.stringify(body) };
          },
        },
      ];
    };
    let round = 0;
    const writeFloor = () =>
      side('writeFloor', 'raw write floor', {
        url: `${floor}${scimPath}`,
        method: 'POST',
        headers: { 'content-type': 'application/scim+json' },
        connections: SCIM_CONNECTIONS,
        requests: () => creates(`f${round++}`, {})(),
      });
    results.scenarios.push(
      await scenario('create', 'SCIM POST /Users, 8 clients', [
        side('ours', 'ours', {
          url: `http://127.0.0.1:${serverPort}${scimPath}`,
          method: 'POST',
          headers: scimHeaders,
          connections: SCIM_CONNECTIONS,
          requests: () => creates(`o${round++}`, {})(),
        }),
        writeFloor(),
      ]),
    );

    // 5. SCIM email changes that conflict: 409, the push stored, the conflict opened or kept.
    let moved = 0;
    results.scenarios.push(
      await scenario('conflict409', 'SCIM PUT /Users/{id} moving the email onto a taken one (409), 8 clients', [
        side('ours', 'ours', {
          url: `http://127.0.0.1:${serverPort}${scimPath}`,
          method: 'PUT',
          headers: scimHeaders,
          connections: SCIM_CONNECTIONS,
          expectStatus: [409],
          requests: () => [
            {
              method: 'PUT',
              setupRequest: (request) => {
                const move = moves[moved++ % moves.length];
                return { ...request, path: `${scimPath}/${move.id}`, body: move.body };
              },
            },
          ],
        }),
        writeFloor(),
      ]),
    );

    // 6. The organization-wide rescan.
    progress(`\nFull rescan: detectConflicts over ${ACCOUNTS.toLocaleString()} accounts and records, 3 runs\n`);
    for (let i = 0; i < 3; i++) {
      progress(`  run ${i + 1}/3 ... `);
      const started = performance.now();
      const response = await fetch(ours, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ query: 'mutation { detectConflicts { openedCount resolvedCount } }' }),
      });
      if (!response.ok) throw new Error(`detectConflicts answered ${response.status}`);
      results.rescans.push(Math.round(performance.now() - started));
      progress(`${results.rescans[i]} ms\n`);
    }

    // 7. Hostile traffic: every request refused, and memory stays bounded while refusing.
    const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: organization { name }`).join(' ')} }`;
    progress(`\nHostile traffic: 1.1 MB bodies, alias bombs, malformed JSON, ${DURATION} s\n  ours ... `);
    memory.mark();
    const hostile = await measure({
      url: ours,
      method: 'POST',
      headers: bearer,
      connections: READ_CONNECTIONS,
      requests: () => [
        { method: 'POST', body: JSON.stringify({ query: `{ organization { name } } ${'#'.repeat(1_100_000)}` }) },
        { method: 'POST', body: JSON.stringify({ query: aliasBomb }) },
        { method: 'POST', body: '{"query": [[[[[[[[[' },
      ],
      expectStatus: [400, 413],
    });
    results.hostile = { ...hostile, rssMb: memory.mark() };
    progress(`${describe(hostile)}\n`);
  } finally {
    memory.stop();
    peerMemory.stop();
    await statements?.end();
    await cpu.end();
  }

  report(results, {
    rssMb: memory.maxMb(),
    peerRssMb: peerMemory.maxMb(),
    postgresVersion,
    loadBefore,
  });
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

// --- Load, rounds and medians ---------------------------------------------------------------

interface LoadOptions {
  url: string;
  method: 'POST' | 'PUT' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** Fresh per run, so each run starts its own sequence (prefixes, new users). */
  requests?: () => CannonRequest[];
  /** Statuses that count as success (default 200/201). */
  expectStatus?: number[];
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** SQL statements the database ran per request (pg_stat_statements), when it is loaded. */
  statements: number | null;
  /** Share of the machine's CPU that processes outside this benchmark used during the run, in %. */
  othersCpu: number | null;
  /** CPU milliseconds per request of the serving process and of Postgres. */
  cpu: { appMs: number; dbMs: number } | null;
}

interface Side {
  key: string;
  label: string;
  load: LoadOptions;
}

interface SideResult {
  key: string;
  label: string;
  runs: Run[];
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statements: number | null;
  othersCpu: number | null;
  cpu: { appMs: number; dbMs: number } | null;
}

interface ScenarioResult {
  key: string;
  title: string;
  sides: SideResult[];
  /** The server's highest RSS during the scenario. */
  rssMb: number;
}

interface Results {
  scenarios: ScenarioResult[];
  rescans: number[];
  hostile: (Run & { rssMb: number }) | null;
}

const side = (key: string, label: string, load: LoadOptions): Side => ({ key, label, load });

/** Runs every side once per round, in order, round after round; each side's medians over its rounds. */
async function runScenario(
  key: string,
  title: string,
  sides: Side[],
  measure: (load: LoadOptions) => Promise<Run>,
  rssSinceLastCall: () => number,
): Promise<ScenarioResult> {
  rssSinceLastCall();
  const width = Math.max(...sides.map((s) => s.label.length));
  progress(
    `\n${title}\n  ${ROUNDS} rounds of ${sides.map((s) => s.label).join(', ')}; ${DURATION} s each after a ${WARMUP} s warm-up\n`,
  );
  const bySide = sides.map((s): { side: Side; runs: Run[] } => ({ side: s, runs: [] }));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { side: s, runs } of bySide) {
      progress(`  round ${round}/${ROUNDS}  ${s.label.padEnd(width)}  ... `);
      const run = await measure(s.load);
      runs.push(run);
      progress(`${describe(run)}\n`);
    }
  }
  const result: ScenarioResult = {
    key,
    title,
    rssMb: rssSinceLastCall(),
    sides: bySide.map(({ side: s, runs: own }) => {
      const statements = own.map((r) => r.statements).filter((v): v is number => v !== null);
      const othersCpu = own.map((r) => r.othersCpu).filter((v): v is number => v !== null);
      const cpus = own.map((r) => r.cpu).filter((v): v is NonNullable<Run['cpu']> => v !== null);
      return {
        key: s.key,
        label: s.label,
        runs: own,
        rps: median(own.map((r) => r.rps)),
        p50: median(own.map((r) => r.p50)),
        p99: median(own.map((r) => r.p99)),
        errors: own.reduce((sum, r) => sum + r.errors, 0),
        statements: statements.length ? median(statements) : null,
        othersCpu: othersCpu.length ? Math.max(...othersCpu) : null,
        cpu: cpus.length ? { appMs: median(cpus.map((c) => c.appMs)), dbMs: median(cpus.map((c) => c.dbMs)) } : null,
      };
    }),
  };
  progress(
    `  medians: ${result.sides.map((s) => `${s.label} ${s.rps} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms`).join(' · ')}\n`,
  );
  return result;
}

/** CPU per request: the serving process's + Postgres's. */
const cpuText = (cpu: { appMs: number; dbMs: number }) => `${cpu.appMs.toFixed(1)} + ${cpu.dbMs.toFixed(1)} ms`;

function describe(run: Run): string {
  return [
    `${String(run.rps).padStart(5)} req/s`,
    `p50 ${run.p50} ms`,
    `p99 ${run.p99} ms`,
    `${run.errors} errors`,
    run.statements !== null ? `${run.statements} statements/request` : '',
    run.cpu !== null ? `CPU/request ${cpuText(run.cpu)}` : '',
    run.othersCpu !== null ? `others' CPU ${run.othersCpu}%` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** A warm-up, then the measured run, counting the statements it caused and the CPU others used meanwhile. */
function measurer(statements: StatementCounter | null, cpu: CpuWatch, servingPid: (url: string) => number) {
  return async (options: LoadOptions): Promise<Run> => {
    const config = {
      url: options.url,
      method: options.method,
      headers: options.headers,
      body: options.body,
      connections: options.connections ?? READ_CONNECTIONS,
      expectBody: undefined,
    };
    await autocannon({ ...config, requests: options.requests?.(), duration: WARMUP });
    const statementsBefore = await statements?.settled();
    const cpuBefore = await cpu.sample();
    const result = await autocannon({ ...config, requests: options.requests?.(), duration: DURATION });
    const cpuAfter = await cpu.sample();
    const othersCpu = cpu.othersShare(cpuBefore, cpuAfter);
    // Requests cut off at the end still run on the server: count them, once they are done.
    const statementsAfter = await statements?.settled();
    const expected = options.expectStatus ?? [200, 201];
    const unexpected = Object.entries(result.statusCodeStats ?? {})
      .filter(([status]) => !expected.includes(Number(status)))
      .reduce((sum, [, stats]) => sum + (stats as { count: number }).count, 0);
    const sent = result.requests.sent;
    return {
      rps: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + unexpected,
      statements:
        statementsBefore != null && statementsAfter != null && sent > 0
          ? Math.round(((statementsAfter - statementsBefore) / sent) * 10) / 10
          : null,
      othersCpu,
      cpu: cpu.perRequest(cpuBefore, cpuAfter, servingPid(options.url), result.requests.total),
    };
  };
}

// --- Report -----------------------------------------------------------------------------------

interface Target {
  scenario: string;
  target: string;
  measured: string;
  met: boolean;
}

interface Context {
  rssMb: number;
  peerRssMb: number;
  postgresVersion: string;
  loadBefore: number;
}

/** What a later run at another size compares with. */
interface ReferenceData {
  accounts: number;
  queueP50: number;
  searchP50: number;
  rssMb: number;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
const times = (a: number, b: number) => `${ratio(a, b).toFixed(2)}x`;

function targets(results: Results, context: Context, reference: ReferenceData | null): Target[] {
  const find = (scenario: string, key: string) =>
    results.scenarios.find((s) => s.key === scenario)?.sides.find((s) => s.key === key);
  // The measured why: per request, SQL statements and CPU of the serving process + Postgres.
  const statementsOf = (...sides: Array<SideResult | undefined>) =>
    `; per request (statements, CPU of process + Postgres): ${sides
      .filter((s): s is SideResult => s !== undefined)
      .map((s) => `${s.label} ${[s.statements, s.cpu && cpuText(s.cpu)].filter((v) => v !== null).join(', ')}`)
      .join('; ')}`;
  const list: Target[] = [];

  for (const [key, name] of [
    ['queue', 'Conflict queue without remediation'],
    ['search', 'Account search'],
  ] as const) {
    const [ours, peer, floor] = [find(key, 'ours'), find(key, 'postgraphile'), find(key, 'floor')];
    if (!ours || !peer || !floor) continue;
    const owner = find(key, 'postgraphileOwner');
    const withoutRls = owner ? `; ${times(ours.rps, owner.rps)} without RLS, ${owner.rps} req/s` : '';
    list.push({
      scenario: name,
      target: '>= 1.0x PostGraphile and >= 0.8x floor; p99 <= 2x floor p99',
      measured:
        `${times(ours.rps, peer.rps)} PostGraphile (${ours.rps} / ${peer.rps} req/s${withoutRls}), ${times(ours.rps, floor.rps)} floor (${floor.rps} req/s); ` +
        `p99 ${times(ours.p99, floor.p99)} floor (${ours.p99} / ${floor.p99} ms)${statementsOf(ours, peer, floor)}`,
      met:
        ratio(ours.rps, peer.rps) >= 1 &&
        ratio(ours.rps, floor.rps) >= 0.8 &&
        ours.p99 <= 2 * floor.p99 &&
        ours.errors === 0,
    });
    if (key === 'queue') {
      const remediation = find(key, 'oursRemediation');
      if (remediation)
        list.push({
          scenario: 'Conflict queue with remediation',
          target: '>= 0.9x PostGraphile without it',
          measured: `${times(remediation.rps, peer.rps)} (${remediation.rps} / ${peer.rps} req/s)${statementsOf(remediation, peer)}`,
          met: ratio(remediation.rps, peer.rps) >= 0.9 && remediation.errors === 0,
        });
    }
  }
  for (const [key, name, at] of [
    ['create', 'SCIM create, 8 clients', 0.65],
    ['conflict409', 'SCIM change that answers 409, 8 clients', 0.5],
  ] as const) {
    const [ours, floor] = [find(key, 'ours'), find(key, 'writeFloor')];
    if (!ours || !floor) continue;
    list.push({
      scenario: name,
      target: `>= ${at}x the raw write floor, 0 errors`,
      measured: `${times(ours.rps, floor.rps)} (${ours.rps} / ${floor.rps} req/s), ${ours.errors} errors${statementsOf(ours, floor)}`,
      met: ratio(ours.rps, floor.rps) >= at && ours.errors === 0,
    });
  }
  const entities = find('entities', 'ours');
  if (entities)
    list.push({
      scenario: '`_entities` with 1,000 Accounts',
      target: 'p50 <= 25 ms',
      measured: `p50 ${entities.p50} ms (p99 ${entities.p99} ms, ${entities.rps} req/s over 2 connections)${statementsOf(entities)}`,
      met: entities.p50 <= 25 && entities.errors === 0,
    });
  if (results.rescans.length) {
    const slowest = Math.max(...results.rescans);
    list.push({
      scenario: `Full rescan, ${ACCOUNTS.toLocaleString()} accounts and records`,
      target: '<= 1 s (slowest of 3)',
      measured: `slowest ${slowest} ms, median ${median(results.rescans)} ms (${results.rescans.join(', ')} ms)`,
      met: slowest <= 1000,
    });
  }
  if (results.hostile)
    list.push({
      scenario: 'Hostile traffic: 1.1 MB bodies, alias bombs, malformed JSON',
      target: 'every one refused (400/413)',
      measured: `${results.hostile.rps} req/s, ${results.hostile.errors} not refused, server RSS max ${results.hostile.rssMb} MB`,
      met: results.hostile.errors === 0,
    });
  list.push({
    scenario: 'Memory: server RSS, highest through every scenario',
    target: '<= 300 MB',
    measured: `${context.rssMb} MB (PostGraphile: ${context.peerRssMb} MB)`,
    met: context.rssMb <= 300,
  });
  if (accountsOption !== null && ACCOUNTS !== REFERENCE_ACCOUNTS) {
    const queue = find('queue', 'ours');
    const search = find('search', 'ours');
    if (!reference || !queue || !search) {
      list.push({
        scenario: `${ACCOUNTS.toLocaleString()} accounts against 100,000`,
        target: 'queue and search p50 within 1.25x of 100k; RSS <= 300 MB',
        measured: `no 100,000-account results to compare with (${path.relative(ROOT, resultsFile(REFERENCE_ACCOUNTS))})`,
        met: false,
      });
    } else {
      const q = ratio(queue.p50, reference.queueP50);
      const s = ratio(search.p50, reference.searchP50);
      progress(
        `\nAgainst ${REFERENCE_ACCOUNTS.toLocaleString()} accounts: queue p50 ${q.toFixed(2)}x, search p50 ${s.toFixed(2)}x\n`,
      );
      list.push({
        scenario: `${ACCOUNTS.toLocaleString()} accounts against 100,000`,
        target: 'queue and search p50 within 1.25x of 100k; RSS <= 300 MB',
        measured:
          `queue p50 ${q.toFixed(2)}x (${queue.p50} / ${reference.queueP50} ms), search p50 ${s.toFixed(2)}x ` +
          `(${search.p50} / ${reference.searchP50} ms), RSS ${context.rssMb} MB`,
        met: q <= 1.25 && s <= 1.25 && context.rssMb <= 300,
      });
    }
  }
  return list;
}

/**
 * The hand-written part of a results file (why a target is not met, with the profile that shows
 * it), from its marker on: kept when a run writes the file anew. It names the run its numbers
 * come from, so a reader can tell when it is older than the tables above it.
 */
const ANALYSIS_MARKER = '<!-- analysis: written by hand, kept by npm run bench -->';

function keptAnalysis(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(ANALYSIS_MARKER);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

function readReference(): ReferenceData | null {
  const file = resultsFile(REFERENCE_ACCOUNTS);
  if (!existsSync(file)) return null;
  const match = /<!-- bench-data (.*) -->/.exec(readFileSync(file, 'utf8'));
  return match ? (JSON.parse(match[1]) as ReferenceData) : null;
}

function report(results: Results, context: Context): void {
  const reference = accountsOption !== null && ACCOUNTS !== REFERENCE_ACCOUNTS ? readReference() : null;
  const list = targets(results, context, reference);
  const others = results.scenarios
    .flatMap((s) => s.sides.flatMap((side) => side.runs.map((run) => run.othersCpu)))
    .filter((v): v is number => v !== null);
  const cpus = os.cpus();
  const contention = others.length
    ? `other processes on the machine used a median ${median(others)}% (max ${Math.max(...others)}%) of its CPU during the measured runs${
        Math.max(...others) >= 10 ? ' (**contention**: the machine was shared)' : ''
      }`
    : `load average ${context.loadBefore.toFixed(2)} before the first scenario`;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Benchmark results',
    '',
    `${new Date().toISOString()} · ${ACCOUNTS.toLocaleString()} accounts · ${cpus.length} × ${cpus[0]?.model.trim()} · Node ${process.version} · ` +
      `Postgres ${context.postgresVersion} · autocannon in a separate process, ${READ_CONNECTIONS} connections for reads, ${SCIM_CONNECTIONS} for SCIM, ` +
      `${DURATION} s per run after a ${WARMUP} s warm-up, ${ROUNDS} alternating rounds, medians · ${contention}`,
    '',
    '## Targets',
    '',
    '| scenario | target | measured | met |',
    '| --- | --- | --- | --- |',
    ...list.map(
      (t) => `| ${cell(t.scenario)} | ${cell(t.target)} | ${cell(t.measured)} | ${t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    '## Measurements',
    '',
    `Medians over the rounds; errors summed. Statements: SQL statements Postgres ran per request (pg_stat_statements). CPU: milliseconds of CPU per request of the process serving it + of Postgres (/proc). Others' CPU: the highest share of the machine's CPU that processes outside the benchmark used during one of the side's runs.`,
    '',
    `| scenario | side | req/s | p50 ms | p99 ms | errors | statements/request | CPU ms/request | others' CPU | req/s by round | server RSS max |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...results.scenarios.flatMap((s) =>
      s.sides.map(
        (side) =>
          `| ${cell(s.title)} | ${side.label} | ${side.rps} | ${side.p50} | ${side.p99} | ${side.errors} | ${side.statements ?? ''} | ${
            side.cpu ? cpuText(side.cpu) : ''
          } | ${
            side.othersCpu === null ? '' : `${side.othersCpu}%`
          } | ${side.runs.map((r) => r.rps).join(', ')} | ${side.key === 'ours' ? `${s.rssMb} MB` : ''} |`,
      ),
    ),
    '',
    '## Sides',
    '',
    '- **ours**: the built server (`npm start` flags), 20 pooled connections.',
    "- **PostGraphile**: v4.14.1 with pg-simplify-inflector and connection-filter (bench/peer), 20 pooled connections. It verifies the same JWT, switches to its own role and sets the claims, so row-level security scopes every row to the organization (bench/peer/schema.sql): each request is begin, set_config, one query, commit (and its jsonwebtoken 9 re-derives the key from the secret string on every verify). Account.domain and Account.openConflicts are computed-column functions; searchAccounts is a SECURITY DEFINER function with the floor's search, because under row-level security the leaky lower()/LIKE cannot use the email index.",
    '- **PostGraphile, no RLS**: the same schema over the owner role, no JWT, the organization as a query condition (the search function reads it from a setting fixed per connection): one statement per request. Its distance to PostGraphile is what row-level security costs it.',
    '- **raw floor**: the same fields in one hand-written statement through plain `pg`, served as JSON over plain `node:http` (bench/raw-server.ts).',
    '- **raw write floor**: per request one transaction through plain `pg` inserting the rows a SCIM create writes (account, scim_record, scim_push, audit_event) from the same JSON body; no authentication, no checks.',
    '',
    `<!-- bench-data ${JSON.stringify({
      accounts: ACCOUNTS,
      queueP50: results.scenarios.find((s) => s.key === 'queue')?.sides.find((s) => s.key === 'ours')?.p50 ?? null,
      searchP50: results.scenarios.find((s) => s.key === 'search')?.sides.find((s) => s.key === 'ours')?.p50 ?? null,
      rssMb: context.rssMb,
    })} -->`,
  ];
  const markdown = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${markdown}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultsFile(ACCOUNTS), markdown + keptAnalysis(resultsFile(ACCOUNTS)));
  progress(`\nWritten to ${path.relative(ROOT, resultsFile(ACCOUNTS))}\n`);
}

// --- Processes, Postgres, measurement helpers -----------------------------------------------------

function progress(text: string): void {
  process.stdout.write(text);
}

/** The peer has its own install (PostGraphile 4 needs graphql 15; the project uses 16). */
function ensurePeerInstalled(): void {
  if (existsSync(path.join(ROOT, 'bench', 'peer', 'node_modules'))) return;
  progress('Installing the PostGraphile peer: npm ci --prefix bench/peer\n');
  const result = spawnSync('npm', ['ci', '--prefix', 'bench/peer', '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci --prefix bench/peer failed');
}

/**
 * The Postgres to create the bench database on: BENCH_DATABASE_URL/DATABASE_URL, or an embedded
 * one in a temporary folder (removed afterwards), restarted once with pg_stat_statements loaded so
 * the report can count statements per request.
 */
async function postgresServer(): Promise<{ adminUrl: string; embedded?: EmbeddedDatabase & { dataDir: string } }> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { adminUrl: given };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'governance-bench-pg-'));
  // mkdtemp makes it 0700; as root, Postgres runs as the "postgres" user, which must enter it.
  chmodSync(dataDir, 0o755);
  let embedded = await startEmbeddedPostgres(dataDir, logger);
  const client = new Client({ connectionString: embedded.url });
  await client.connect();
  await client.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  await client.end();
  await embedded.stop();
  embedded = await startEmbeddedPostgres(dataDir, logger);
  return { adminUrl: embedded.url, embedded: { ...embedded, dataDir } };
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
  await client.end();
  return rows[0].version.split(' ')[0];
}

/** A connection for measuring; when a run fails, Postgres stops under it, which must not crash the cleanup. */
function monitorClient(url: string): Client {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  return client;
}

interface StatementCounter {
  /** The count once it has stopped moving (the requests in flight are done). */
  settled(): Promise<number>;
  end(): Promise<void>;
}

/** Statements run in the bench database so far, from pg_stat_statements; null when it is not loaded. */
async function statementCounter(url: string): Promise<StatementCounter | null> {
  const client = monitorClient(url);
  await client.connect();
  const { rows } = await client.query<{ loaded: boolean }>(
    `SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements' AS loaded`,
  );
  if (!rows[0].loaded) {
    await client.end();
    return null;
  }
  await client.query('CREATE SCHEMA IF NOT EXISTS bench_stats');
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA bench_stats');
  const total = async () => {
    // bigint: pg hands it over as a string.
    const result = await client.query<{ calls: string }>(
      `SELECT coalesce(sum(calls), 0)::bigint AS calls FROM bench_stats.pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%'`,
    );
    return Number(result.rows[0].calls);
  };
  return {
    settled: async () => {
      let last = await total();
      for (let i = 0; i < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const now = await total();
        if (now === last) return now;
        last = now;
      }
      return last;
    },
    end: () => client.end(),
  };
}

interface CpuSample {
  at: number;
  busy: number;
  /** CPU ticks so far of each of our processes. */
  ours: Map<number, number>;
  postgres: number[];
}

interface CpuWatch {
  sample(): Promise<CpuSample>;
  /** The share of all cores' time, in %, that processes other than ours were busy between two samples. */
  othersShare(before: CpuSample, after: CpuSample): number | null;
  /** CPU milliseconds per request between two samples: the serving process's, and Postgres's. */
  perRequest(
    before: CpuSample,
    after: CpuSample,
    pid: number,
    requests: number,
  ): { appMs: number; dbMs: number } | null;
  end(): Promise<void>;
}

/**
 * Ours: this process, the servers, and the Postgres processes serving the bench (the whole
 * embedded cluster, or the bench database's backends on a shared one). From /proc; Linux only.
 */
async function cpuWatch(url: string, wholeCluster: boolean, pids: number[]): Promise<CpuWatch> {
  const client = monitorClient(url);
  await client.connect();
  const readBusy = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return user + nice + system + irq + softirq + steal;
  };
  const ticks = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  };
  const postgresPids = async () => {
    const { rows } = await client.query<{ pid: number }>(
      wholeCluster
        ? `SELECT pid FROM pg_stat_activity`
        : `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
    );
    const backends = rows.map((row) => row.pid);
    if (!wholeCluster || backends.length === 0) return backends;
    const parent = Number(readFileSync(`/proc/${backends[0]}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    return [...backends, parent];
  };
  if (!existsSync('/proc/stat')) {
    return {
      sample: async () => ({ at: 0, busy: 0, ours: new Map(), postgres: [] }),
      othersShare: () => null,
      perRequest: () => null,
      end: () => client.end(),
    };
  }
  // /proc counts in USER_HZ ticks, 100 a second. A process that appeared since `before` used all its ticks in between.
  const used = (before: CpuSample, after: CpuSample, pid: number) =>
    (after.ours.get(pid) ?? 0) - (before.ours.get(pid) ?? 0);
  return {
    async sample() {
      const ours = new Map<number, number>();
      const postgres = await postgresPids();
      for (const pid of [...pids, ...postgres]) {
        const value = ticks(pid);
        if (value !== null) ours.set(pid, value);
      }
      return { at: performance.now(), busy: readBusy(), ours, postgres };
    },
    othersShare(before, after) {
      const available = ((after.at - before.at) / 1000) * os.cpus().length * 100;
      let oursUsed = 0;
      for (const pid of after.ours.keys()) oursUsed += used(before, after, pid);
      const others = Math.max(0, after.busy - before.busy - oursUsed);
      return Math.round((others / available) * 100);
    },
    perRequest(before, after, pid, requests) {
      if (requests === 0) return null;
      const db = after.postgres.reduce((sum, backend) => sum + used(before, after, backend), 0);
      const perRequestMs = (value: number) => Math.round(((value * 10) / requests) * 100) / 100;
      return { appMs: perRequestMs(used(before, after, pid)), dbMs: perRequestMs(db) };
    },
    end: () => client.end(),
  };
}

/** Every process the benchmark started, stopped at the end whatever happened. */
const running: ChildProcess[] = [];

/** Starts `script` under this Node, waits for its ready line, and answers its pid. */
async function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeFlags: string[] = [],
): Promise<number> {
  const child = spawn(process.execPath, [...nodeFlags, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      reject(new Error(`${name} exited with ${String(code)}:\n${output}`));
    });
  });
  // Keep draining its output so the pipe never blocks it.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  // Set once the process is spawned, which its ready line proves.
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return child.pid;
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Samples a process's resident memory from /proc while the scenarios run. */
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
    stop: () => {
      clearInterval(timer);
    },
    maxMb: () => Math.round(max / 1024),
    /** The highest RSS since the last call, in MB. */
    mark: () => {
      const mb = Math.round(sinceMark / 1024);
      sinceMark = 0;
      return mb;
    },
  };
}

/** The middle value; for an even count, the mean of the two middle ones. */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`);
  process.exitCode = 1;
});
