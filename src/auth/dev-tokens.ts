import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { OrganizationService } from '../organizations';
import type { Config } from '../config';
import { mintDevelopmentToken } from './setup';

/** Development only: an all-scopes token per organization, printed so a newcomer can query at once. */
export async function printDevelopmentTokens(
  config: Config,
  db: DataSource,
  secret: string,
  logger: Logger,
  baseUrl: string,
): Promise<void> {
  process.stdout.write(`\nGraphQL IDE (GraphiQL, development only): ${baseUrl}/ (a token is prefilled)\n`);
  const organizations = await new OrganizationService(db).firstBySlug(5);
  if (organizations.length === 0) {
    logger.info('no organization yet: run `npm run seed` to load demo data (it prints a token too)');
    return;
  }
  for (const organization of organizations) {
    const token = await mintDevelopmentToken(config, secret, organization.id);
    // Printed to stdout, not the log: a token never belongs in log storage.
    process.stdout.write(
      `\nDevelopment admin token for ${organization.slug} (valid 12h):\n` +
        `  curl -s ${baseUrl}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${token}' \\\n` +
        `    -d '{"query":"{ organization { name } conflicts(filter: {status: OPEN}) { totalCount } }"}'\n`,
    );
  }
}

export interface DevelopmentToken {
  organizationSlug: string;
  token: string;
}

/** An all-scopes token for the first organization by slug (the GraphQL IDE prefills it); undefined before there is one. */
export async function firstOrganizationAdminToken(
  db: DataSource,
  mint: (organizationId: string) => Promise<string>,
): Promise<DevelopmentToken | undefined> {
  const [organization = null] = await new OrganizationService(db).firstBySlug(1);
  if (!organization) return undefined;
  return { organizationSlug: organization.slug, token: await mint(organization.id) };
}
