import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenVerifier } from '../../src/auth/tokens';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { runCliProcess, type CliResult } from '../support/cli-process';

const TOKEN_CLI = 'src/auth/token-cli.ts';
const SEED_CLI = 'src/seed/cli.ts';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** `npm run seed` and `npm run token` as a newcomer runs them: development key in DATA_DIR, no JWT_SECRET. */
describe('command-line tools', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let seeded: CliResult;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'governance-cli-'));
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: '4123' };
    seeded = await runCliProcess(SEED_CLI, [], env);
  }, 60_000);
  afterAll(async () => {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const verify = (token: string) =>
    new TokenVerifier({
      jwtSecret: fs.readFileSync(path.join(dataDir, 'dev-jwt-secret'), 'utf8').trim(),
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 5,
    }).verify(token);

  describe('npm run token', () => {
    it('prints the token alone on stdout, so TOKEN=$(...) captures exactly it', async () => {
      const result = await runCliProcess(
        TOKEN_CLI,
        ['--org', 'acme', '--scopes', 'governance:read,governance:write'],
        env,
      );
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^${JWT.source.slice(1, -1)}\\n$`));
      const principal = await verify(result.stdout.trim());
      const [{ id }] = await db.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM organization WHERE slug = 'acme'`,
      );
      expect(principal.organizationId).toBe(id);
      expect([...principal.scopes]).toEqual(['governance:read', 'governance:write']);
    });

    it('answers --help with its usage and mints nothing', async () => {
      for (const flag of ['--help', '-h']) {
        const result = await runCliProcess(TOKEN_CLI, [flag], env);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('Usage: npm run -s token --');
        for (const option of ['--org', '--scopes', '--sub', '--expires']) expect(result.stdout).toContain(option);
        expect(result.stdout.split(/\s+/).some((word) => JWT.test(word))).toBe(false);
      }
    });

    it('refuses an unknown flag, or a flag without its value, naming it, and mints nothing', async () => {
      for (const args of [['--org', 'acme', '--scope', 'governance:read'], ['--org']]) {
        const result = await runCliProcess(TOKEN_CLI, args, env);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(args.at(-1) === '--org' ? "'--org" : "'--scope'");
        expect(result.stderr).toContain('--help');
      }
    });
  });

  describe('npm run seed', () => {
    it('prints each directory with its id, SCIM base URL and token together, and the token works there', async () => {
      expect(seeded).toMatchObject({ code: 0, stderr: '' });
      const directories: Array<{ id: string; name: string }> = await db.dataSource.query(
        `SELECT d.id, d.name FROM directory d ORDER BY d.created_at`,
      );
      expect(directories.map((directory) => directory.name)).toEqual([
        'Okta',
        'Microsoft Entra ID',
        'Google Workspace',
      ]);
      const app: TestServer = await startTestServer(db.dataSource);
      try {
        for (const directory of directories) {
          const baseUrl = `http://localhost:4123/scim/directory/${directory.id}`;
          const line = seeded.stdout.split('\n').find((text) => text.includes(baseUrl));
          expect(line).toContain(directory.name);
          const token = /\b(scim_[\w-]+)/.exec(line!)?.[1];
          const response = await fetch(`${app.url}/scim/directory/${directory.id}/Users?count=1`, {
            headers: { authorization: `Bearer ${token!}` },
          });
          expect(response.status).toBe(200);
        }
      } finally {
        await app.stop();
      }
    });

    it('prints an admin token for acme, and says so when the demo is already there', async () => {
      const token = seeded.stdout.split('\n').find((line) => JWT.test(line.trim()));
      expect(token).toBeDefined();
      await expect(verify(token!.trim())).resolves.toMatchObject({ subject: 'dev-admin' });
      const again = await runCliProcess(SEED_CLI, [], env);
      expect(again).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain('npm run seed -- --reset');
    });

    it('answers --help with its usage and refuses unknown flags, touching nothing', async () => {
      const help = await runCliProcess(SEED_CLI, ['--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: npm run seed');
      expect(help.stdout).toContain('--reset');
      const typo = await runCliProcess(SEED_CLI, ['--rest'], env);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain("'--rest'");
    });
  });
});
