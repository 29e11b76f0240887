import { registerEnumType } from 'type-graphql';

export enum SyncStatus {
  /** The account matches the IdP's last push. */
  SYNCED = 'SYNCED',
  /** Waiting on an admin (an unmanaged account to claim and link). */
  PENDING = 'PENDING',
  /** The last push could not be applied; see lastError and nextRetryAt. */
  FAILED = 'FAILED',
}

export enum ScimOperation {
  CREATE = 'CREATE',
  REPLACE = 'REPLACE',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  RESYNC = 'RESYNC',
}

export enum PushOutcome {
  APPLIED = 'APPLIED',
  PENDING = 'PENDING',
  CONFLICT = 'CONFLICT',
  REJECTED = 'REJECTED',
}

registerEnumType(SyncStatus, {
  name: 'SyncStatus',
  valuesConfig: {
    SYNCED: { description: "The account matches the IdP's last push." },
    PENDING: { description: 'Waiting on an admin, e.g. to claim and link an unmanaged account.' },
    FAILED: { description: 'The last push could not be applied; see lastError and nextRetryAt.' },
  },
});
registerEnumType(ScimOperation, { name: 'ScimOperation' });
registerEnumType(PushOutcome, { name: 'PushOutcome' });
