import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { Domain } from './domain.entity';
import { asciiDomain } from './domain-name';

export function createDomainLoaders(db: DataSource, organizationId: string) {
  const query = (comment: string) =>
    db.getRepository(Domain).createQueryBuilder('d').comment(comment).where('d.organizationId = :organizationId', { organizationId });
  return {
    byId: loaderById((ids) => query('loader:domainById').andWhere('d.id = ANY(:ids)', { ids }).getMany()),
    /** By stored (ASCII, lower-case) name; an organization has at most one domain per name. */
    byName: loaderGrouped(
      (names) => query('loader:domainByName').andWhere('d.name = ANY(:names)', { names }).getMany(),
      (domain) => [domain.name],
      { normalize: asciiDomain, valid: (name) => name.length > 0 },
    ),
  };
}

export type DomainLoaders = ReturnType<typeof createDomainLoaders>;
