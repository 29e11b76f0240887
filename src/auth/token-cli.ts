import { commandLine, runCli } from '../cli';
import { OrganizationService } from '../organizations';
import { developmentSecret, mintDevelopmentToken } from './setup';
import { ALL_SCOPES, type Scope } from './scopes';

const USAGE = `Usage: npm run -s token -- [--org <slug or id>] [--scopes <scope,...>] [--sub <subject>] [--expires <time>]

Prints a bearer token for /graphql, alone on stdout, signed with JWT_SECRET or (without one, outside
production) the development key in DATA_DIR. -s keeps npm's banner out of TOKEN=$(npm run -s token ...).

  --org       the organization, by slug or id (default: acme)
  --scopes    comma-separated, from ${ALL_SCOPES.join(', ')} (default: all)
  --sub       the subject, which audit events name as the actor (default: cli)
  --expires   lifetime such as 30m, 12h, 7d (default: 12h)
  -h, --help  this text
`;

const options = commandLine(USAGE, {
  org: { type: 'string', default: 'acme' },
  scopes: { type: 'string' },
  sub: { type: 'string', default: 'cli' },
  expires: { type: 'string' },
});

void runCli(
  async ({ config, database }) => {
    const organization = await new OrganizationService(database.dataSource).byIdOrSlug(options.org);
    if (!organization)
      throw new Error(
        `No organization "${options.org}" (give its slug or id; run \`npm run seed\` for the demo ones).`,
      );
    const scopes = (options.scopes?.split(',') ?? ALL_SCOPES) as Scope[];
    const unknown = scopes.filter((scope) => !ALL_SCOPES.includes(scope));
    if (unknown.length > 0) throw new Error(`Unknown scopes: ${unknown.join(', ')} (known: ${ALL_SCOPES.join(', ')})`);
    if (config.auth.jwksUrl && !config.auth.jwtSecret)
      throw new Error('Tokens for a JWKS issuer come from that issuer, not from here.');
    const secret = config.auth.jwtSecret ?? developmentSecret(config);
    if (secret === undefined) throw new Error('Set JWT_SECRET to mint production tokens.');
    const token = await mintDevelopmentToken(config, secret, organization.id, {
      subject: options.sub,
      scopes,
      expiresIn: options.expires,
    });
    process.stdout.write(`${token}\n`);
  },
  { migrate: false },
);
