import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { selectRows } from '../db/statements';
import { Domain } from './domain.entity';
import { asciiDomain } from './domain-name';
import { staleAccounts } from './domain-migration.service';

// Most keys are account.emailDomain, already in stored form; domainToASCII costs ~50 µs a call.
const storedName = (name: string) => (/^[a-z0-9.-]+$/.test(name) && !name.endsWith('.') ? name : asciiDomain(name));

export function createDomainLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) =>
      selectRows(db, Domain, 'loader:domainById', 'id = ANY($1::uuid[]) AND organization_id = $2', [
        ids,
        organizationId,
      ]),
    ),
    /** By stored (ASCII, lower-case) name; an organization has at most one domain per name. */
    byName: loaderGrouped(
      (names) =>
        selectRows(db, Domain, 'loader:domainByName', 'name = ANY($1::text[]) AND organization_id = $2', [
          names,
          organizationId,
        ]),
      (domain) => [domain.name],
      { normalize: storedName, valid: (name) => name.length > 0 },
    ),
    /** Rule R5's stale accounts by (stored) domain name: every migration of a list in one query. */
    staleAccounts: loaderGrouped(
      (names) => staleAccounts(db, organizationId, names),
      (account) => [account.emailDomain],
      { normalize: storedName, valid: (name) => name.length > 0 },
    ),
  };
}
