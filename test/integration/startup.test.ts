import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { TEST_JWT_SECRET } from '../support/app';
import { runCliProcess } from '../support/cli-process';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startServerProcess, type ServerProcess } from '../support/server-process';

const MAIN = 'src/main.ts';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The server's own process, run to its exit. */
const runServer = (env: Record<string, string>) =>
  runCliProcess(MAIN, [], { NODE_ENV: 'test', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, ...env });

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const readiness = (server: ServerProcess) =>
  fetch(`${server.url}/health/ready`)
    .then((response) => response.status)
    .catch(() => 0);

/** What a newcomer reads when starting the server goes wrong, or right. */
describe('start-up messages', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('names Postgres, where it was looked for and DATABASE_URL when nothing answers there (never the password)', async () => {
    const port = await freePort();
    const result = await runServer({ DATABASE_URL: `postgres://governance:hunter2@127.0.0.1:${port}/governance` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot connect to Postgres at 127.0.0.1:${port}/governance`);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr + result.stdout).not.toContain('hunter2');
  });

  it('suggests PORT when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await runServer({ DATABASE_URL: db.url, PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain(`PORT=${port + 1} npm start`);
    } finally {
      taken.close();
    }
  });

  it('announces a URL that opens (not 0.0.0.0), and logs requests with their full path', async () => {
    const server = await startServerProcess({ DATABASE_URL: db.url, HOST: '0.0.0.0' });
    try {
      expect(server.url).toMatch(/^http:\/\/localhost:\d+$/);
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Probe { __typename }' }),
      });
      expect(response.status).toBe(200);
      await until('the request is logged', () => server.output().includes('"operation":"Probe"'));
      const line = server
        .output()
        .split('\n')
        .find((text) => text.includes('"operation":"Probe"'));
      expect(JSON.parse(line!)).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
    } finally {
      await server.stop();
    }
  });
});

/** The embedded Postgres in the places containers and second terminals put it. */
describe('embedded Postgres', () => {
  const folders: string[] = [];
  const servers: ServerProcess[] = [];
  const tempDir = (mode: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'governance-startup-'));
    fs.chmodSync(dir, mode);
    folders.push(dir);
    return dir;
  };
  const start = async (env: Record<string, string>) => {
    const server = await startServerProcess(env);
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  (isRoot ? it : it.skip)(
    'runs as root with DATA_DIR a private (0700) folder, opening it to the postgres user without exposing its files',
    async () => {
      const dataDir = tempDir(0o700);
      const server = await start({ DATA_DIR: dataDir });
      expect(await readiness(server)).toBe(200);
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o701);
      for (const file of ['embedded-postgres.json', 'dev-jwt-secret'])
        if (fs.existsSync(path.join(dataDir, file))) expect(fs.statSync(path.join(dataDir, file)).mode & 0o077).toBe(0);
      expect(await server.stop()).toBe(0);
    },
    60_000,
  );

  (isRoot ? it : it.skip)(
    'says what to do when DATA_DIR lies inside a private folder that is not its own',
    async () => {
      const parent = tempDir(0o700);
      const result = await runServer({ DATA_DIR: path.join(parent, 'data') });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot enter ${parent} (mode 700)`);
      expect(result.stderr).toContain('DATA_DIR');
      expect(result.stderr).toContain('DATABASE_URL');
    },
    60_000,
  );

  it('keeps a second server on the same DATA_DIR serving after the first, which started Postgres, stops', async () => {
    const dataDir = tempDir(0o755);
    const first = await start({ DATA_DIR: dataDir });
    const second = await start({ DATA_DIR: dataDir });
    expect(second.output()).toContain('using the embedded Postgres another process started');

    expect(await first.stop()).toBe(0);
    await until('the second server says why its database went away', () =>
      second.output().includes(`the embedded Postgres this server shared (started by process ${first.pid}`),
    );
    await until('the second server is ready again', async () => (await readiness(second)) === 200);

    expect(await second.stop()).toBe(0);
    // It took the cluster over, so it stopped it: nothing left running on the folder.
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 90_000);
});
