import type { DataSource, EntityManager } from 'typeorm';
import { Conditions, paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { notFoundError, userError, type UserError } from '../common/user-error';
import { lockCurrent, lockRow, updateRow } from '../db/rows';
import type { MutationScope } from '../db/transaction';
import { Account } from '../accounts/account.entity';
import { takingFacts } from '../accounts/address-facts';
import { R8, check } from '../rules/rules';
import { Directory } from '../directories/directory.entity';
import type { Conflict } from '../conflicts/conflict.entity';
import { ConflictKind } from '../conflicts/conflict.enums';
import { noteAction, resolveConflicts } from '../conflicts/conflict.ledger';
import { reconcileConflicts } from '../conflicts/conflict-detection';
import { ScimRecord } from './scim-record.entity';
import { PushOutcome, ScimOperation, SyncStatus } from './scim-record.enums';
import { ScimErrorCode } from './scim.errors';
import { linkedInDirectory, pushOutcomeOf, recordPush, snapshot, syncRecord, type SyncOutcome } from './provisioning';
import { HEAVY } from './scim.loaders';
import type { ScimRecordFilter } from './scim-record.inputs';

const SCIM_RECORD_KEYSET: Keyset<ScimRecord> = {
  scope: 'scimRecords',
  direction: 'DESC',
  keys: [
    { property: 'createdAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

export class ScimRecordService {
  constructor(private readonly db: DataSource) {}

  list(
    organizationId: string,
    filter: ScimRecordFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<ScimRecord>> {
    const where = new Conditions().and('organization_id = ?', organizationId);
    if (filter.syncStatus) where.and('sync_status = ?', filter.syncStatus);
    if (filter.directoryId != null) {
      if (isUuid(filter.directoryId)) where.and('directory_id = ?', filter.directoryId);
      else where.and('false');
    }
    if (filter.active != null) where.and('active = ?', filter.active);
    if (filter.userName != null) where.and('lower(user_name) = lower(?)', filter.userName);
    if (filter.externalId != null) where.and('external_id = ?', filter.externalId);
    // GraphQL reads the columns; the IdP's raw payload stays out of the page.
    return paginate(
      this.db,
      ScimRecord,
      { comment: 'scimRecords', where, keyset: SCIM_RECORD_KEYSET, exclude: HEAVY },
      page,
    );
  }
}

/** For each account, the names of the directories whose SCIM records provision it (rule R1's facts). */
export async function linkedDirectoryNames(tx: EntityManager, accountIds: string[]): Promise<Map<string, string[]>> {
  const linked = new Map<string, string[]>(accountIds.map((id) => [id, []]));
  if (accountIds.length === 0) return linked;
  const rows: Array<{ account_id: string; name: string }> = await tx.query(
    `/* linkedDirectories */ SELECT r.account_id, d.name FROM scim_record r JOIN directory d ON d.id = r.directory_id
     WHERE r.account_id = ANY($1::uuid[]) ORDER BY d.name`,
    [accountIds],
  );
  for (const row of rows) linked.get(row.account_id)?.push(row.name);
  return linked;
}

export type RecordOutcome =
  | { kind: 'sync'; record: ScimRecord; sync: SyncOutcome }
  | { kind: 'changed'; record: ScimRecord | null; resolved: Conflict[] }
  | { kind: 'refused'; error: UserError; record?: ScimRecord | null };

const refusedWith = (error: UserError, record?: ScimRecord | null): RecordOutcome => ({
  kind: 'refused',
  error,
  record,
});

export const directoryOf = (tx: EntityManager, record: ScimRecord): Promise<Directory> =>
  tx.getRepository(Directory).findOneByOrFail({ id: record.directoryId });

/** `resync` of a record the caller already holds locked (the retry worker claims its own). */
export async function resyncLocked(m: MutationScope, record: ScimRecord, directory: Directory): Promise<RecordOutcome> {
  const before = snapshot(record);
  const sync = await syncRecord(m, record, directory);
  await recordPush(m, record, {
    operation: ScimOperation.RESYNC,
    outcome: pushOutcomeOf(sync),
    httpStatus: null,
    detail: sync.kind === 'failed' ? sync.error.message : sync.kind === 'pending' ? record.lastError : null,
    payload: null,
  });
  await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: snapshot(record) });
  return { kind: 'sync', record, sync };
}

/**
 * `remove` of a record the caller already holds locked (SCIM DELETE locks it to check If-Match).
 * httpStatus: what the IdP was answered when it is the IdP deleting, null for an admin.
 */
export async function removeLocked(
  m: MutationScope,
  record: ScimRecord,
  httpStatus: number | null,
): Promise<RecordOutcome> {
  const resolved = await resolveConflicts(m, { scimRecordId: record.id });
  // Written at commit, after the record is gone: unlinked already, as the foreign key would leave it.
  await recordPush(
    m,
    { id: null, directoryId: record.directoryId },
    {
      operation: ScimOperation.DELETE,
      outcome: PushOutcome.APPLIED,
      httpStatus,
      detail: `Deleted by ${m.actor}`,
      payload: null,
    },
  );
  await m.tx.delete(ScimRecord, { id: record.id });
  // What the rules find now for the record's account, the accounts its conflicts named, and its address.
  await reconcileConflicts(m, {
    accountIds: [record.accountId, ...resolved.flatMap((c) => [c.accountId, c.conflictingAccountId])].filter(
      (id): id is string => id !== null,
    ),
    emails: record.email ? [record.email] : [],
  });
  await m.audit({ targetType: 'ScimRecord', targetId: record.id, before: snapshot(record), after: null });
  return { kind: 'changed', record, resolved };
}

/** The mutations on SCIM records, each inside a MutationScope's transaction. */
export const scimRecordMutations = {
  /**
   * Applies the record's desired state (the IdP's last push) to its account without the IdP
   * pushing again. A failure is recorded (attempts, next retry, the conflict stays OPEN) and
   * returned as a userError; a success resolves the conflicts it cleared (rule R7).
   */
  async resync(m: MutationScope, input: { id: string; expectedVersion?: number | null }): Promise<RecordOutcome> {
    const found = await lockCurrent(m, ScimRecord, input.id, input.expectedVersion, notFoundError('SCIM record', 'id'));
    if (found.refusal) return refusedWith(found.refusal, found.row);
    return resyncLocked(m, found.row, await directoryOf(m.tx, found.row));
  },

  /**
   * Deletes a record that keeps failing: its account and the account's history stay, its push
   * history stays (unlinked), and the conflicts it raised close. The IdP's next push creates a
   * fresh record and links it again.
   */
  async remove(
    m: MutationScope,
    input: { id: string; expectedVersion?: number | null; httpStatus?: number | null },
  ): Promise<RecordOutcome> {
    const found = await lockCurrent(m, ScimRecord, input.id, input.expectedVersion, notFoundError('SCIM record', 'id'));
    if (found.refusal) return refusedWith(found.refusal, found.row);
    return removeLocked(m, found.row, input.httpStatus ?? null);
  },

  /** Detaches a record from its account; the record waits (PENDING) to be linked again. */
  async unlink(m: MutationScope, input: { id: string; expectedVersion?: number | null }): Promise<RecordOutcome> {
    const found = await lockCurrent(m, ScimRecord, input.id, input.expectedVersion, notFoundError('SCIM record', 'id'));
    if (found.refusal) return refusedWith(found.refusal, found.row);
    const record = found.row;
    if (record.accountId === null) {
      return refusedWith(
        userError(ScimErrorCode.RECORD_NOT_LINKED, 'The record is not linked to an account.', 'id'),
        record,
      );
    }
    const before = snapshot(record);
    const resolved = await resolveConflicts(m, { scimRecordId: record.id, kinds: [ConflictKind.EMAIL_TAKEN] });
    await updateRow(m.tx, ScimRecord, record, {
      accountId: null,
      syncStatus: SyncStatus.PENDING,
      lastError: `Unlinked by ${m.actor}; link it to an account and resync.`,
      nextRetryAt: null,
    });
    await reconcileConflicts(m, { recordIds: [record.id], accountIds: before.accountId ? [before.accountId] : [] });
    await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: snapshot(record) });
    return { kind: 'changed', record, resolved };
  },

  /**
   * Links (or relinks) a record to an account of the organization. Never a silent takeover: the
   * account must be managed (claimed), and hold no other record of the same directory; and never
   * onto an address the organization cannot use (rule R8).
   */
  async link(
    m: MutationScope,
    input: { id: string; accountId: string; expectedVersion?: number | null },
  ): Promise<RecordOutcome> {
    const found = await lockCurrent(m, ScimRecord, input.id, input.expectedVersion, notFoundError('SCIM record', 'id'));
    if (found.refusal) return refusedWith(found.refusal, found.row);
    const record = found.row;
    const account = await lockRow(m.tx, Account, m.organizationId, input.accountId, m.action);
    if (!account) return refusedWith(notFoundError('account', 'accountId'), record);
    if (!account.managed) {
      return refusedWith(
        userError(
          ScimErrorCode.ACCOUNT_NOT_CLAIMED,
          `${account.email} is not managed by your organization: claim it before linking it (no silent takeover).`,
          'accountId',
        ),
        record,
      );
    }
    if (await linkedInDirectory(m.tx, record.directoryId, account.id, record.id)) {
      // The directory is read only for this message.
      const directory = await directoryOf(m.tx, record);
      return refusedWith(
        userError(
          ScimErrorCode.ACCOUNT_ALREADY_LINKED,
          `${account.email} already has another record in ${directory.name}.`,
          'accountId',
        ),
        record,
      );
    }
    if (record.accountId === account.id) return { kind: 'changed', record, resolved: [] };
    if (record.email) {
      // Rule R8: the link would give the account an address the organization cannot use.
      const { facts } = await takingFacts(m.tx, m.organizationId, record.email, account.id);
      const unavailable = check(R8, facts, 'id');
      if (unavailable) return refusedWith(unavailable, record);
    }
    const before = snapshot(record);
    await updateRow(m.tx, ScimRecord, record, {
      accountId: account.id,
      syncStatus: SyncStatus.PENDING,
      lastError: null,
      nextRetryAt: null,
    });
    await noteAction(m, { scimRecordId: record.id });
    await reconcileConflicts(m, {
      recordIds: [record.id],
      accountIds: before.accountId ? [before.accountId, account.id] : [account.id],
    });
    await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: snapshot(record) });
    return { kind: 'changed', record, resolved: [] };
  },
};
