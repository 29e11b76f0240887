import type { DataSource } from 'typeorm';
import { Conditions, paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { AuditEvent } from './audit-event.entity';
import type { AuditEventFilter } from './audit.inputs';

/** Newest first by id: ids are issued in commit order within a writer, so the trail reads as it happened. */
const AUDIT_KEYSET: Keyset<AuditEvent> = {
  scope: 'auditEvents',
  direction: 'DESC',
  keys: [{ property: 'id', cast: 'bigint' }],
};

export class AuditService {
  constructor(private readonly db: DataSource) {}

  list(
    organizationId: string,
    filter: AuditEventFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<AuditEvent>> {
    const where = new Conditions().and('organization_id = ?', organizationId);
    if (filter.actor != null) where.and('actor = ?', filter.actor);
    if (filter.action != null) where.and('action = ?', filter.action);
    if (filter.requestId != null) where.and('request_id = ?', filter.requestId);
    if (filter.targetId != null) {
      if (isUuid(filter.targetId)) where.and('target_id = ?', filter.targetId);
      else where.and('false');
    }
    return paginate(this.db, AuditEvent, { comment: 'auditEvents', where, keyset: AUDIT_KEYSET }, page);
  }
}
