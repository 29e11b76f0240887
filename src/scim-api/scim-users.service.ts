import type { DataSource } from 'typeorm';
import type { MutationScope } from '../db';
import type { Directory } from '../directories';
import { lockUserForReplace, provisionUser, replaceUser, type PushResult, removeLocked } from '../workflows';
import {
  recordPush,
  type DesiredUser,
  USER_PATCH_OPTIONS,
  applyPatch,
  ScimError,
  type ScimOutcome,
  ScimGroupQueries,
  type ScimRecord,
  PushOutcome,
  ScimOperation,
  ScimRecordQueries,
  lockUser,
  recordIdInDirectory,
} from '../scim';
import type { ResourceService, ResourceWrite } from './resource-service';
import { inScimTransaction, storablePayload, type ScimCall } from './scim-call';
import { ifMatchHolds, notFound, preconditionFailed } from './scim-http';
import { desiredUserFrom, keepActiveUnlessGiven, userResource, type UserGroupRef } from './user-representation';

/** A rejected push is still in the record's push history (and, for a conflict, in its state). */
export type UserOutcome = ScimOutcome<ScimRecord>;

/**
 * The Users endpoint's operations. Each write is one transaction as the IdP (`scim:<directoryId>`);
 * turning pushes into records, accounts and conflicts is provisioning.ts's job, reused as is.
 * Every push lands in the push history, refused ones included (with the status the IdP got).
 */
export class ScimUserService implements ResourceService<ScimRecord> {
  readonly reads: ScimRecordQueries;
  private readonly groups: ScimGroupQueries;

  constructor(private readonly db: DataSource) {
    this.reads = new ScimRecordQueries(db);
    this.groups = new ScimGroupQueries(db);
  }

  /**
   * One push: `execute` throws ScimError to refuse; the refusal is recorded against
   * `target.recordId` (null when there is no record) and committed.
   */
  private push(
    call: ScimCall,
    action: string,
    operation: ScimOperation,
    body: unknown,
    execute: (m: MutationScope, target: { recordId: string | null }) => Promise<UserOutcome>,
  ): Promise<UserOutcome> {
    return inScimTransaction(this.db, call, action, async (m) => {
      const target = { recordId: null as string | null };
      try {
        return await execute(m, target);
      } catch (error) {
        if (!(error instanceof ScimError)) throw error;
        await recordPush(
          m,
          { id: target.recordId, directoryId: call.directory.id },
          {
            operation,
            outcome: PushOutcome.REJECTED,
            httpStatus: error.status,
            detail: error.detail,
            payload: storablePayload(body),
          },
        );
        return { kind: 'rejected', error };
      }
    });
  }

  /** PushResult to outcome; a FAILED sync was already recorded by provisioning (settle). */
  private outcomeOf(result: PushResult): UserOutcome {
    switch (result.kind) {
      case 'synced':
      case 'pending':
        return { kind: 'written', status: result.status, resource: result.record, fresh: result.fresh };
      case 'failed':
        return { kind: 'rejected', error: new ScimError(409, result.sync.error.message, 'uniqueness') };
      case 'duplicate':
        throw new ScimError(409, result.detail, 'uniqueness');
    }
  }

  /** PUT or an applied PATCH: the new desired state, then sync. Identity clashes are 409, never a 500. */
  private async update(
    m: MutationScope,
    directory: Directory,
    record: ScimRecord,
    desired: DesiredUser,
    operation: ScimOperation,
  ): Promise<UserOutcome> {
    return this.outcomeOf(await replaceUser(m, directory, record, desired, operation));
  }

  /** POST /Users. A retry of the same create (same externalId, or userName) answers the record it made. */
  create(call: ScimCall, body: unknown): Promise<UserOutcome> {
    return this.push(call, 'scim.createUser', ScimOperation.CREATE, body, async (m) =>
      this.outcomeOf(await provisionUser(m, call.directory, desiredUserFrom(body))),
    );
  }

  /** PUT /Users/{id}: full replace. */
  replace({ call, id, ifMatch }: ResourceWrite, body: unknown): Promise<UserOutcome> {
    return this.push(call, 'scim.replaceUser', ScimOperation.REPLACE, body, async (m, target) => {
      // The body is read first, so the record and the facts of syncing it come in one read; an
      // unreadable body is still answered after the id and the If-Match (404, 412, then 400).
      let desired: DesiredUser | null = null;
      let unreadable: unknown = null;
      try {
        desired = desiredUserFrom(body);
      } catch (error) {
        unreadable = error;
      }
      const { record, facts } = desired
        ? await lockUserForReplace(m, call.directory, id, desired)
        : { record: await lockUser(m, call.directory, id), facts: undefined };
      if (!record) throw notFound('User');
      target.recordId = record.id;
      if (!ifMatchHolds(ifMatch, record.version)) throw preconditionFailed();
      if (!desired) throw unreadable;
      keepActiveUnlessGiven(desired, body, record);
      return this.outcomeOf(await replaceUser(m, call.directory, record, desired, ScimOperation.REPLACE, facts));
    });
  }

  /** PATCH /Users/{id}: the operations apply to the current resource; the result is the new desired state. */
  patch({ call, id, ifMatch }: ResourceWrite, body: unknown, location: string): Promise<UserOutcome> {
    return this.push(call, 'scim.patchUser', ScimOperation.PATCH, body, async (m, target) => {
      const record = await lockUser(m, call.directory, id);
      if (!record) throw notFound('User');
      target.recordId = record.id;
      if (!ifMatchHolds(ifMatch, record.version)) throw preconditionFailed();
      // `groups` is read-only and derived: it is not part of what a PATCH can change.
      const patched = applyPatch(userResource(record, location, null), body, USER_PATCH_OPTIONS);
      const desired = keepActiveUnlessGiven(desiredUserFrom(patched), patched, record);
      return this.update(m, call.directory, record, desired, ScimOperation.PATCH);
    });
  }

  /** DELETE /Users/{id}: the record goes (deleteScimRecord's logic, the IdP as actor); its account and history stay. */
  remove({ call, id, ifMatch }: ResourceWrite): Promise<UserOutcome> {
    return this.push(call, 'scim.deleteUser', ScimOperation.DELETE, undefined, async (m, target) => {
      const record = await lockUser(m, call.directory, id);
      if (!record) throw notFound('User');
      target.recordId = record.id;
      if (!ifMatchHolds(ifMatch, record.version)) throw preconditionFailed();
      await removeLocked(m, record, 204);
      return { kind: 'deleted' };
    });
  }

  /** A push refused before its body could be read (malformed JSON, too large): it still goes into the history. */
  rejectUnreadable(call: ScimCall, operation: ScimOperation, id: string | null, error: ScimError): Promise<void> {
    return inScimTransaction(this.db, call, 'scim.rejectPush', async (m) => {
      const recordId = id === null ? null : await recordIdInDirectory(m, call.directory.id, id);
      await recordPush(
        m,
        { id: recordId, directoryId: call.directory.id },
        {
          operation,
          outcome: PushOutcome.REJECTED,
          httpStatus: error.status,
          detail: error.detail,
          payload: null,
        },
      );
    });
  }

  groupsOf(recordIds: string[]): Promise<Map<string, UserGroupRef[]>> {
    return this.groups.groupsOf(recordIds);
  }
}
