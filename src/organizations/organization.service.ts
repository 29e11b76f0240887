import type { DataSource } from 'typeorm';
import { queryBuilderFor } from '../db/kysely';
import type { Organization } from './organization.entity';
import { OrganizationStore } from './organization.store';

/** The reads of organizations: the caller's own, and whether a token's organization exists. */
export class OrganizationService {
  private readonly store: OrganizationStore;

  constructor(db: DataSource) {
    this.store = new OrganizationStore(queryBuilderFor(db));
  }

  byId(id: string): Promise<Organization | null> {
    return this.store.byId(id);
  }

  exists(id: string): Promise<boolean> {
    return this.store.exists(id);
  }
}
