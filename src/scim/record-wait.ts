import { RecordWait, SyncStatus } from './scim-record.enums';
import type { ScimRecord } from './scim-record.entity';

/**
 * What a record waits for, from its state: a PENDING record without an account waits for a claim
 * (the sync parked it on an unmanaged account) unless an admin unlinked it (unlinkedAt), when it
 * waits for a link; a PENDING linked one waits for a resync; a FAILED one for its retry. Null when
 * SYNCED. The store's filter (ScimRecordStore.page) states the same conditions in SQL.
 */
export function waitOf(record: Pick<ScimRecord, 'syncStatus' | 'accountId' | 'unlinkedAt'>): RecordWait | null {
  switch (record.syncStatus) {
    case SyncStatus.SYNCED:
      return null;
    case SyncStatus.FAILED:
      return RecordWait.RETRY;
    case SyncStatus.PENDING:
      if (record.accountId !== null) return RecordWait.RESYNC;
      return record.unlinkedAt === null ? RecordWait.CLAIM : RecordWait.LINK;
  }
}
