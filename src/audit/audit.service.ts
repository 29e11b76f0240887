import type { DataSource } from 'typeorm';
import { paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { AuditEvent } from './audit-event.entity';
import type { AuditEventFilter } from './audit.inputs';

/** Newest first by id: ids are issued in commit order within a writer, so the trail reads as it happened. */
export const AUDIT_KEYSET: Keyset<AuditEvent> = {
  scope: 'auditEvents',
  direction: 'DESC',
  keys: [{ property: 'id', cast: 'bigint' }],
};

export class AuditService {
  constructor(private readonly db: DataSource) {}

  list(organizationId: string, filter: AuditEventFilter = {}, page: { first?: number | null; after?: string | null }): Promise<Page<AuditEvent>> {
    const query = this.db
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .comment('auditEvents')
      .where('e.organizationId = :organizationId', { organizationId });
    if (filter.actor != null) query.andWhere('e.actor = :actor', { actor: filter.actor });
    if (filter.action != null) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.requestId != null) query.andWhere('e.requestId = :requestId', { requestId: filter.requestId });
    if (filter.targetId != null) {
      if (!isUuid(filter.targetId)) query.andWhere('false');
      else query.andWhere('e.targetId = :targetId', { targetId: filter.targetId });
    }
    return paginate(query, AUDIT_KEYSET, page);
  }
}
