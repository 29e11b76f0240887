import type { DataSource } from 'typeorm';
import { isUuid } from '../common';
import { queryBuilderFor } from '../db';
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

  /** The organization a command line names, by id or slug. */
  byIdOrSlug(idOrSlug: string): Promise<Organization | null> {
    return isUuid(idOrSlug) ? this.store.byId(idOrSlug) : this.store.bySlug(idOrSlug);
  }

  /** The first `limit` organizations by slug. */
  firstBySlug(limit: number): Promise<Organization[]> {
    return this.store.firstBySlug(limit);
  }
}
