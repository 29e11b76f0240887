import { notFoundError, userError, type UserError } from '../common';
import type { MutationScope } from '../db';
import { AccountStore } from '../accounts';
import { takingFacts } from './address-facts';
import { R8, check } from '../rules';
import { ConflictKind, type Conflict, noteAction, resolveConflicts, reconcileConflicts } from '../conflicts';
import type { SyncOutcome } from './provisioning';
import {
  recordPush,
  snapshot,
  type ScimRecord,
  PushOutcome,
  ScimOperation,
  SyncStatus,
  ScimRecordStore,
  ScimErrorCode,
  lockCurrentRecord,
} from '../scim';

/**
 * The admin mutations on SCIM records (delete, unlink, link): each settles the record's conflicts
 * with the rules, so they span scim, accounts and conflicts.
 */
export type RecordOutcome =
  | { kind: 'sync'; record: ScimRecord; sync: SyncOutcome }
  | { kind: 'changed'; record: ScimRecord | null; resolved: Conflict[] }
  | { kind: 'refused'; error: UserError; record?: ScimRecord | null };

const refusedWith = (error: UserError, record?: ScimRecord | null): RecordOutcome => ({
  kind: 'refused',
  error,
  record,
});

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
  await new ScimRecordStore(m.db).delete(record.id);
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
   * Deletes a record that keeps failing: its account and the account's history stay, its push
   * history stays (unlinked), and the conflicts it raised close. The IdP's next push creates a
   * fresh record and links it again.
   */
  async remove(
    m: MutationScope,
    input: { id: string; expectedVersion?: number | null; httpStatus?: number | null },
  ): Promise<RecordOutcome> {
    const found = await lockCurrentRecord(m, input.id, input.expectedVersion);
    if (found.refusal) return refusedWith(found.refusal, found.row);
    return removeLocked(m, found.row, input.httpStatus ?? null);
  },

  /** Detaches a record from its account; the record waits (PENDING) to be linked again. */
  async unlink(m: MutationScope, input: { id: string; expectedVersion?: number | null }): Promise<RecordOutcome> {
    const found = await lockCurrentRecord(m, input.id, input.expectedVersion);
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
    await new ScimRecordStore(m.db).update(
      record,
      {
        accountId: null,
        syncStatus: SyncStatus.PENDING,
        lastError: `Unlinked by ${m.actor}; link it to an account and resync.`,
        nextRetryAt: null,
        unlinkedAt: new Date(),
      },
      'unlinkScimRecord',
    );
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
    const found = await lockCurrentRecord(m, input.id, input.expectedVersion);
    if (found.refusal) return refusedWith(found.refusal, found.row);
    const record = found.row;
    const account = await new AccountStore(m.db).lock(m.organizationId, input.accountId, m.action);
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
    if (await new ScimRecordStore(m.db).linkedInDirectory(record.directoryId, account.id, record.id)) {
      // The directory is read only for this message.
      const directory = await new ScimRecordStore(m.db).directoryOf(record);
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
      const { facts } = await takingFacts(m.db, m.organizationId, record.email, account.id);
      const unavailable = check(R8, facts, 'id');
      if (unavailable) return refusedWith(unavailable, record);
    }
    const before = snapshot(record);
    await new ScimRecordStore(m.db).update(
      record,
      { accountId: account.id, syncStatus: SyncStatus.PENDING, lastError: null, nextRetryAt: null, unlinkedAt: null },
      'linkScimRecord',
    );
    await noteAction(m, { scimRecordId: record.id });
    await reconcileConflicts(m, {
      recordIds: [record.id],
      accountIds: before.accountId ? [before.accountId, account.id] : [account.id],
    });
    await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: snapshot(record) });
    return { kind: 'changed', record, resolved: [] };
  },
};
