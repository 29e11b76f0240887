import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped, queryBuilderFor } from '../db';
import { storedDomainName } from './domain-name';
import { DomainStore } from './domain.store';

export function createDomainLoaders(db: DataSource, organizationId: string) {
  const store = new DomainStore(queryBuilderFor(db));
  return {
    byId: loaderById((ids) => store.byIds(organizationId, ids)),
    /** By stored (ASCII, lower-case) name; an organization has at most one domain per name. */
    byName: loaderGrouped(
      (names) => store.byNames(organizationId, names, 'loader:domainByName'),
      (domain) => [domain.name],
      { normalize: storedDomainName, valid: (name) => name.length > 0 },
    ),
  };
}
