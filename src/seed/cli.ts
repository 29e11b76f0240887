import { commandLine, runCli } from '../cli';
import { developmentSecret, mintDevelopmentToken } from '../auth';
import { localUrl } from '../http';
import { demoExists, removeDemo, seedDemo } from './demo';

const USAGE = `Usage: npm run seed [-- --reset]

Loads the demo organizations (acme, globex) in the starting state of every story, into the
database the server uses (DATABASE_URL, or the embedded Postgres under DATA_DIR), and prints each
SCIM directory's base URL and bearer token, and an admin token for acme.

  --reset     delete the demo organizations first and load them afresh
  -h, --help  this text
`;

const options = commandLine(USAGE, { reset: { type: 'boolean', default: false } });

/** `npm run seed [-- --reset]`: the demo organizations, in the starting state of every story. */
void runCli(
  async ({ config, database }) => {
    const db = database.dataSource;
    if (await demoExists(db)) {
      if (!options.reset) {
        process.stdout.write('Demo data is already loaded (run `npm run seed -- --reset` to load it afresh).\n');
        return;
      }
      await removeDemo(db);
    }
    const demo = await seedDemo(db);
    const scim = `${localUrl(config.host, config.port)}/scim/directory`;
    const directories = [
      ['acme', 'Okta', demo.acme.directories.okta, demo.acme.directoryTokens.okta],
      ['acme', 'Microsoft Entra ID', demo.acme.directories.entra, demo.acme.directoryTokens.entra],
      ['globex', 'Google Workspace', demo.globex.directoryId, demo.globex.directoryToken],
    ];
    process.stdout.write(
      `Loaded demo organizations acme (${demo.acme.organizationId}) and globex (${demo.globex.organizationId}).\n` +
        `SCIM directories: base URL and bearer token (shown once; rotateDirectoryToken issues a new one):\n` +
        directories
          .map(([org, name, id, token]) => `  ${`${org} ${name}`.padEnd(26)} ${scim}/${id}  ${token}\n`)
          .join(''),
    );
    const secret = developmentSecret(config);
    if (secret) {
      const token = await mintDevelopmentToken(config, secret, demo.acme.organizationId);
      process.stdout.write(`Development admin token for acme (valid 12h):\n${token}\n`);
    }
  },
  { migrate: true },
);
