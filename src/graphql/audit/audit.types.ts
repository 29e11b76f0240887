import { ConnectionType } from '../../common';
import { AuditEvent } from '../../audit';

export const AuditEventConnection = ConnectionType(AuditEvent);
export type AuditEventConnection = InstanceType<typeof AuditEventConnection>;
