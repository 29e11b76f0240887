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
/** What a record that is not SYNCED waits for (derived from its state; see waitOf). */
export enum RecordWait {
  CLAIM = 'CLAIM',
  LINK = 'LINK',
  RESYNC = 'RESYNC',
  RETRY = 'RETRY',
}

registerEnumType(RecordWait, {
  name: 'ScimRecordWait',
  description: 'What a record that is not SYNCED waits for.',
  valuesConfig: {
    CLAIM: {
      description:
        'PENDING and unlinked because its email belongs to an account the organization has not claimed (no silent takeover): claim the account (its UNMANAGED_ACCOUNT conflict names the record), then link and resync.',
    },
    LINK: {
      description:
        'PENDING and unlinked because an admin unlinked it (unlinkedAt): link it to an account (linkScimRecord), or let the IdP push again.',
    },
    RESYNC: { description: 'PENDING and linked (an admin linked it): resync it (resyncScimRecord).' },
    RETRY: {
      description: 'FAILED: retried automatically at nextRetryAt; its blocking conflict says what to fix first.',
    },
  },
});
registerEnumType(ScimOperation, { name: 'ScimOperation' });
registerEnumType(PushOutcome, { name: 'PushOutcome' });
