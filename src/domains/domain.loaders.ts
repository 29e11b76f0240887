import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { selectRows } from '../db/select';
import { Domain } from './domain.entity';
import { asciiDomain } from './domain-name';

export function createDomainLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) => selectRows(db, Domain, 'loader:domainById', 'id = ANY($1::uuid[]) AND organization_id = $2', [ids, organizationId])),
    /** By stored (ASCII, lower-case) name; an organization has at most one domain per name. */
    byName: loaderGrouped(
      (names) => selectRows(db, Domain, 'loader:domainByName', 'name = ANY($1::text[]) AND organization_id = $2', [names, organizationId]),
      (domain) => [domain.name],
      { normalize: asciiDomain, valid: (name) => name.length > 0 },
    ),
  };
}

export type DomainLoaders = ReturnType<typeof createDomainLoaders>;
