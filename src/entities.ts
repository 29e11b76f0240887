import { Organization } from './organizations/organization.entity';
import { Domain } from './domains/domain.entity';
import { Account } from './accounts/account.entity';
import { AccountEmailChange } from './accounts/account-email-change.entity';
import { Directory } from './directories/directory.entity';
import { ScimRecord } from './scim/scim-record.entity';
import { ScimPush } from './scim/scim-push.entity';
import { ScimGroup, ScimGroupMember } from './scim/scim-group.entity';
import { Conflict } from './conflicts/conflict.entity';
import { AuditEvent } from './audit/audit-event.entity';
import { DomainMigration } from './domains/domain-migration.entity';
import { IdempotencyKey } from './db/idempotency-key.entity';
import { Webhook, WebhookDelivery } from './webhooks/webhook.entity';

/**
 * Every TypeORM entity of the service, given to the data source by whoever opens it (main.ts,
 * the CLIs, the tests, the bench): db/ knows no feature's tables.
 */
export const entities = [
  Organization,
  Domain,
  Account,
  AccountEmailChange,
  Directory,
  ScimRecord,
  ScimPush,
  ScimGroup,
  ScimGroupMember,
  Conflict,
  AuditEvent,
  DomainMigration,
  IdempotencyKey,
  Webhook,
  WebhookDelivery,
];
