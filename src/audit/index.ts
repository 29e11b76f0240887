/** The face of audit/: what the rest of src/ imports from it. Other folders import audit/ only through this file. */
export { AuditEvent } from './audit-event.entity';
export { AuditEventFilter } from './audit.inputs';
export { AuditService } from './audit.service';
