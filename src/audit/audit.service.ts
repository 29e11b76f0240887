import type { DataSource } from 'typeorm';
import { queryBuilderFor, type Page } from '../db';
import type { AuditEvent } from './audit-event.entity';
import type { AuditEventFilter } from './audit.inputs';
import { AuditStore } from './audit.store';

export class AuditService {
  private readonly store: AuditStore;

  constructor(db: DataSource) {
    this.store = new AuditStore(queryBuilderFor(db));
  }

  list(
    organizationId: string,
    filter: AuditEventFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<AuditEvent>> {
    return this.store.page(organizationId, filter, page);
  }
}
