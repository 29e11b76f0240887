import { ConnectionType } from '../../common/pagination';
import { AuditEvent } from '../../audit/audit-event.entity';

export const AuditEventConnection = ConnectionType(AuditEvent);
export type AuditEventConnection = InstanceType<typeof AuditEventConnection>;
