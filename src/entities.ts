import { Organization } from './organizations';
import { Domain, DomainMigration } from './domains';
import { Account, AccountEmailChange } from './accounts';
import { Directory } from './directories';
import { ScimRecord, ScimPush, ScimGroup, ScimGroupMember } from './scim';
import { Conflict } from './conflicts';
import { AuditEvent } from './audit';
import { IdempotencyKey } from './db';
import { Webhook, WebhookDelivery } from './webhooks';

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
