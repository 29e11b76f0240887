import type { DataSource } from 'typeorm';
import { isUuid } from '../../common/ids';
import { violatedUniqueConstraint } from '../../db/pg-errors';
import { savepoint, type MutationScope } from '../../db/transaction';
import type { Directory } from '../../directories/directory.entity';
import { directoryRow } from '../directory-rows';
import { USER_FILTER_SCHEMA } from '../filter';
import { USER_PATCH_OPTIONS, applyPatch } from '../patch';
import {
  provisionUser,
  recordPush,
  updateUser,
  userNameTakenDetail,
  type DesiredUser,
  type PushResult,
} from '../provisioning';
import { ScimError, type ScimOutcome } from '../scim-error';
import { groupRefsOf } from '../scim-group.service';
import { ScimRecord } from '../scim-record.entity';
import { PushOutcome, ScimOperation } from '../scim-record.enums';
import { removeLocked } from '../scim-record.service';
import { queryPage, type ListSource } from './list-query';
import type { ListRequest } from './list-request';
import { inScimTransaction, storablePayload, type ScimCall } from './scim-call';
import { ifMatchHolds, notFound, preconditionFailed } from './scim-http';
import { desiredUserFrom, userResource, type UserGroupRef } from './user-representation';

/** A rejected push is still in the record's push history (and, for a conflict, in its state). */
export type UserOutcome = ScimOutcome<ScimRecord>;

const USERS: ListSource<ScimRecord> = {
  entity: ScimRecord,
  table: 'scim_record',
  alias: 'r',
  schema: USER_FILTER_SCHEMA,
  comment: 'scim:listUsers',
};

const userNameTaken = (userName: string) => new ScimError(409, userNameTakenDetail(userName), 'uniqueness');
// Null never reaches it (NULLs never clash); the type is what the callers hold.
const externalIdTaken = (externalId: string | null) =>
  new ScimError(409, `Resource [USER]: with externalId[${externalId ?? ''}] already exists.`, 'uniqueness');

/** The record behind a SCIM User id in this directory, locked; null for any other id. */
const lockUser = (m: MutationScope, directory: Directory, id: string): Promise<ScimRecord | null> =>
  directoryRow(m.tx, ScimRecord, directory, id, { comment: 'scim:lockUser', lock: true });

/**
 * The Users endpoint's operations. Each write is one transaction as the IdP (`scim:<directoryId>`);
 * turning pushes into records, accounts and conflicts is provisioning.ts's job, reused as is.
 * Every push lands in the push history, refused ones included (with the status the IdP got).
 */
export class ScimUserService {
  constructor(private readonly db: DataSource) {}

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
    const externalIdChanges = desired.externalId !== record.externalId;
    const identityChanges = externalIdChanges || desired.userName.toLowerCase() !== record.userName.toLowerCase();
    if (externalIdChanges && desired.externalId !== null) {
      const clash: unknown[] = await m.tx.query(
        `/* scim:userByExternalId */ SELECT 1 FROM scim_record WHERE directory_id = $1 AND external_id = $2 AND id <> $3`,
        [directory.id, desired.externalId, record.id],
      );
      if (clash.length > 0) throw externalIdTaken(desired.externalId);
    }
    const apply = () => updateUser(m, directory, record, desired, operation);
    try {
      // A concurrent writer can still take the new userName or externalId first: its unique
      // constraint then fails only this savepoint, and the IdP gets 409.
      return this.outcomeOf(identityChanges ? await savepoint(m.tx, apply) : await apply());
    } catch (error) {
      const constraint = violatedUniqueConstraint(error);
      if (constraint === 'scim_record_directory_user_name_key') throw userNameTaken(desired.userName);
      if (constraint === 'scim_record_directory_id_external_id_key') throw externalIdTaken(desired.externalId);
      throw error;
    }
  }

  /** POST /Users. A retry of the same create (same externalId, or userName) answers the record it made. */
  create(call: ScimCall, body: unknown): Promise<UserOutcome> {
    return this.push(call, 'scim.createUser', ScimOperation.CREATE, body, async (m) =>
      this.outcomeOf(await provisionUser(m, call.directory, desiredUserFrom(body))),
    );
  }

  /** PUT /Users/{id}: full replace. */
  replace(call: ScimCall, id: string, body: unknown, ifMatch: string | undefined): Promise<UserOutcome> {
    return this.push(call, 'scim.replaceUser', ScimOperation.REPLACE, body, async (m, target) => {
      const record = await lockUser(m, call.directory, id);
      if (!record) throw notFound('User');
      target.recordId = record.id;
      if (!ifMatchHolds(ifMatch, record.version)) throw preconditionFailed();
      return this.update(m, call.directory, record, desiredUserFrom(body), ScimOperation.REPLACE);
    });
  }

  /** PATCH /Users/{id}: the operations apply to the current resource; the result is the new desired state. */
  patch(
    call: ScimCall,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    location: string,
  ): Promise<UserOutcome> {
    return this.push(call, 'scim.patchUser', ScimOperation.PATCH, body, async (m, target) => {
      const record = await lockUser(m, call.directory, id);
      if (!record) throw notFound('User');
      target.recordId = record.id;
      if (!ifMatchHolds(ifMatch, record.version)) throw preconditionFailed();
      // `groups` is read-only and derived: it is not part of what a PATCH can change.
      const patched = applyPatch(userResource(record, location, null), body, USER_PATCH_OPTIONS);
      return this.update(m, call.directory, record, desiredUserFrom(patched), ScimOperation.PATCH);
    });
  }

  /** DELETE /Users/{id}: the record goes (deleteScimRecord's logic, the IdP as actor); its account and history stay. */
  remove(call: ScimCall, id: string, ifMatch: string | undefined): Promise<UserOutcome> {
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
      const [record]: Array<{ id: string } | undefined> =
        id !== null && isUuid(id)
          ? await m.tx.query(`SELECT id FROM scim_record WHERE id = $1 AND directory_id = $2`, [id, call.directory.id])
          : [];
      await recordPush(
        m,
        { id: record?.id ?? null, directoryId: call.directory.id },
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

  find(directory: Directory, id: string): Promise<ScimRecord | null> {
    return directoryRow(this.db, ScimRecord, directory, id, { comment: 'scim:getUser' });
  }

  list(directory: Directory, request: ListRequest): Promise<{ total: number; rows: ScimRecord[] }> {
    return queryPage(this.db, USERS, directory, request);
  }

  groupsOf(recordIds: string[]): Promise<Map<string, UserGroupRef[]>> {
    return groupRefsOf(this.db.manager, recordIds);
  }
}
