import { sql, type Generated, type Selectable } from 'kysely';
import { as, type Db, paginate, type Keyset, type Page } from '../db';
import { isUuid } from '../common';
import { AuditEvent } from './audit-event.entity';
import type { AuditEventFilter } from './audit.inputs';

interface AuditEventTable {
  id: Generated<string>;
  organizationId: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  occurredAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    auditEvent: AuditEventTable;
  }
}

/** Newest first by id: ids are issued in commit order within a writer, so the trail reads as it happened. */
const AUDIT_KEYSET: Keyset<Selectable<AuditEventTable>> = {
  scope: 'auditEvents',
  direction: 'desc',
  keys: [{ property: 'id', cast: 'bigint' }],
};

/** Every statement of the audit trail's reads; its writes go with each mutation (db/transaction.ts). */
export class AuditStore {
  constructor(private readonly db: Db) {}

  async page(
    organizationId: string,
    filter: AuditEventFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<AuditEvent>> {
    let query = this.db.selectFrom('auditEvent').selectAll().where('organizationId', '=', organizationId);
    if (filter.actor != null) query = query.where('actor', '=', filter.actor);
    if (filter.action != null) query = query.where('action', '=', filter.action);
    if (filter.requestId != null) query = query.where('requestId', '=', filter.requestId);
    if (filter.targetId != null) {
      // Not a uuid: no event can match, and Postgres would refuse the cast.
      query = isUuid(filter.targetId)
        ? query.where('targetId', '=', filter.targetId)
        : query.where(sql<boolean>`false`);
    }
    const page = await paginate(query, AUDIT_KEYSET, args, 'auditEvents');
    return { ...page, nodes: as(AuditEvent, page.nodes) };
  }
}
