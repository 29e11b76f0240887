import { runCli } from '../cli';
import { developmentSecret, mintDevelopmentToken } from '../auth/setup';
import { demoExists, removeDemo, seedDemo } from './demo';

/** `npm run seed [-- --reset]`: the demo organizations, in the starting state of every story. */
void runCli(
  async ({ config, database, args }) => {
    const db = database.dataSource;
    if (await demoExists(db)) {
      if (!args.includes('--reset')) {
        process.stdout.write('Demo data is already loaded (run `npm run seed -- --reset` to load it afresh).\n');
        return;
      }
      await removeDemo(db);
    }
    const demo = await seedDemo(db);
    process.stdout.write(
      `Loaded demo organizations acme (${demo.acme.organizationId}) and globex (${demo.globex.organizationId}).\n` +
        `SCIM tokens, shown once: Okta ${demo.acme.directoryTokens.okta}\n` +
        `                         Entra ${demo.acme.directoryTokens.entra}\n`,
    );
    const secret = developmentSecret(config);
    if (secret) {
      const token = await mintDevelopmentToken(config, secret, demo.acme.organizationId);
      process.stdout.write(`Development admin token for acme (valid 12h):\n${token}\n`);
    }
  },
  { migrate: true },
);
