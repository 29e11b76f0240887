import { runCli } from '../cli';
import { Organization } from '../organizations/organization.entity';
import { isUuid } from '../common/ids';
import { developmentSecret, mintDevelopmentToken } from './setup';
import { ALL_SCOPES, type Scope } from './scopes';

/**
 * `npm run token -- --org acme --scopes governance:read,audit:read [--sub me] [--expires 1h]`
 * mints an HS256 token with JWT_SECRET, or with the development secret when none is set.
 */
void runCli(
  async ({ config, database, args }) => {
    const option = (name: string) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const orgArg = option('org') ?? 'acme';
    const organization = await database.dataSource
      .getRepository(Organization)
      .findOneBy(isUuid(orgArg) ? { id: orgArg } : { slug: orgArg });
    if (!organization)
      throw new Error(`No organization "${orgArg}" (give its slug or id; run \`npm run seed\` for the demo ones).`);
    const scopes = (option('scopes')?.split(',') ?? ALL_SCOPES) as Scope[];
    const unknown = scopes.filter((scope) => !ALL_SCOPES.includes(scope));
    if (unknown.length > 0) throw new Error(`Unknown scopes: ${unknown.join(', ')} (known: ${ALL_SCOPES.join(', ')})`);
    if (config.auth.jwksUrl && !config.auth.jwtSecret)
      throw new Error('Tokens for a JWKS issuer come from that issuer, not from here.');
    if (!config.auth.jwtSecret && config.nodeEnv === 'production')
      throw new Error('Set JWT_SECRET to mint production tokens.');
    const secret = config.auth.jwtSecret ?? developmentSecret(config)!;
    const token = await mintDevelopmentToken(config, secret, organization.id, {
      subject: option('sub') ?? 'cli',
      scopes,
      expiresIn: option('expires'),
    });
    process.stdout.write(`${token}\n`);
  },
  { migrate: false },
);
