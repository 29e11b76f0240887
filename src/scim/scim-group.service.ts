import type { DataSource } from 'typeorm';
import { queryBuilderFor, violatedUniqueConstraint, withSavepoint, type MutationScope } from '../db';
import type { Directory } from '../directories';
import type { ScimGroup } from './scim-group.entity';
import { ScimGroupStore, type GroupMemberRef } from './scim-group.store';
import type { DirectoryListRequest } from './directory-list';
import { ScimError, type ScimOutcome } from './scim-error';

export type { GroupMemberRef } from './scim-group.store';

/** A group as the IdP last described it; member ids are lower-case ScimRecord ids, deduplicated. */
export interface DesiredGroup {
  externalId: string | null;
  displayName: string;
  memberIds: string[];
  /** The request body without id, meta and members. */
  raw: Record<string, unknown>;
}

export type GroupOutcome = ScimOutcome<ScimGroup>;

const rejected = (error: ScimError): GroupOutcome => ({ kind: 'rejected', error });
// Null never reaches it (NULLs never clash); the type is what the callers hold.
const externalIdTaken = (externalId: string | null) =>
  rejected(new ScimError(409, `Resource [GROUP]: with externalId[${externalId ?? ''}] already exists.`, 'uniqueness'));

/** What the audit trail keeps of a group. */
const groupSnapshot = (group: ScimGroup, memberCount: number) => ({
  externalId: group.externalId,
  displayName: group.displayName,
  memberCount,
});

/** Members must be Users of the group's own directory (locked against a concurrent DELETE). */
async function checkMembers(
  store: ScimGroupStore,
  directory: Directory,
  memberIds: string[],
): Promise<ScimError | null> {
  if (memberIds.length === 0) return null;
  const found = await store.lockMembers(directory.id, memberIds);
  if (found.size === memberIds.length) return null;
  const missing = memberIds.filter((id) => !found.has(id));
  return new ScimError(
    400,
    `members: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} ${missing.length === 1 ? 'is not a User' : 'are not Users'} of this directory.`,
    'invalidValue',
  );
}

/** The ids of a group's members, for a PATCH to apply to and a replace to diff against. */
export const memberIdsOf = (m: MutationScope, groupId: string): Promise<string[]> =>
  new ScimGroupStore(m.db).memberIds(groupId);

/** A group of this directory, locked for the rest of the transaction; null for any other id. */
export const lockGroup = (m: MutationScope, directory: Directory, id: string): Promise<ScimGroup | null> =>
  new ScimGroupStore(m.db).inDirectory(directory, id, { tag: 'scim:lockGroup', lock: true });

/** Group writes, each inside the IdP's MutationScope (actor `scim:<directoryId>`). */
export const scimGroupMutations = {
  /**
   * A new group. externalId is unique per directory. Without one, a create repeating the name
   * of a group that has no externalId either is an IdP retrying after a timeout: 409, not a twin.
   */
  async create(m: MutationScope, directory: Directory, desired: DesiredGroup): Promise<GroupOutcome> {
    const store = new ScimGroupStore(m.db);
    if (desired.externalId === null) {
      // No unique index can judge this case, so creates of one name take turns.
      await store.lockName(directory.id, desired.displayName);
      if (await store.nameTakenWithoutExternalId(directory.id, desired.displayName))
        return rejected(
          new ScimError(
            409,
            `Resource [GROUP]: with displayName[${desired.displayName}] already exists.`,
            'uniqueness',
          ),
        );
    }
    const invalidMembers = await checkMembers(store, directory, desired.memberIds);
    if (invalidMembers) return rejected(invalidMembers);
    // (directory_id, external_id) is the only unique key a new row can meet.
    const group = await store.insert(m.organizationId, directory.id, {
      externalId: desired.externalId,
      displayName: desired.displayName,
      rawPayload: desired.raw,
    });
    if (!group) return externalIdTaken(desired.externalId);
    await store.addMembers(group.id, desired.memberIds);
    await m.audit({
      targetType: 'ScimGroup',
      targetId: group.id,
      before: null,
      after: { ...groupSnapshot(group, desired.memberIds.length), addedMembers: desired.memberIds },
    });
    return { kind: 'written', status: 201, resource: group };
  },

  /** PUT, or a PATCH already applied: the group becomes `desired`, members by difference. */
  async replace(
    m: MutationScope,
    directory: Directory,
    group: ScimGroup,
    desired: DesiredGroup,
    currentMemberIds?: string[],
  ): Promise<GroupOutcome> {
    const store = new ScimGroupStore(m.db);
    const externalIdChanges = desired.externalId !== group.externalId;
    if (externalIdChanges && desired.externalId !== null) {
      if (await store.externalIdTaken(directory.id, desired.externalId, group.id))
        return externalIdTaken(desired.externalId);
    }
    const current = currentMemberIds ?? (await store.memberIds(group.id));
    const wanted = new Set(desired.memberIds);
    const had = new Set(current);
    const added = desired.memberIds.filter((id) => !had.has(id));
    const removed = current.filter((id) => !wanted.has(id));
    // Current members were checked when added, and leave with their record (ON DELETE CASCADE).
    const invalidMembers = await checkMembers(store, directory, added);
    if (invalidMembers) return rejected(invalidMembers);
    const before = groupSnapshot(group, current.length);

    const update = () =>
      store.update(group, {
        externalId: desired.externalId,
        displayName: desired.displayName,
        rawPayload: desired.raw,
      });
    try {
      // Only a changed externalId can meet the unique constraint (a concurrent writer taking it).
      await (externalIdChanges ? withSavepoint(m.db, update) : update());
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'scim_group_directory_id_external_id_key')
        return externalIdTaken(desired.externalId);
      throw error;
    }
    await store.removeMembers(group.id, removed);
    await store.addMembers(group.id, added);
    await m.audit({
      targetType: 'ScimGroup',
      targetId: group.id,
      before,
      after: { ...groupSnapshot(group, wanted.size), addedMembers: added, removedMembers: removed },
    });
    return { kind: 'written', status: 200, resource: group };
  },

  /** The group and its memberships go; the members' records and accounts stay. */
  async remove(m: MutationScope, group: ScimGroup): Promise<GroupOutcome> {
    const store = new ScimGroupStore(m.db);
    const memberCount = await store.memberCount(group.id);
    await store.delete(group.id);
    await m.audit({
      targetType: 'ScimGroup',
      targetId: group.id,
      before: groupSnapshot(group, memberCount),
      after: null,
    });
    return { kind: 'deleted' };
  },
};

/** The Groups endpoint's reads, on the pool. */
export class ScimGroupQueries {
  private readonly store: ScimGroupStore;

  constructor(db: DataSource) {
    this.store = new ScimGroupStore(queryBuilderFor(db));
  }

  /** A group of this directory, or null (another directory's or organization's id reads as absent). */
  find(directory: Directory, id: string): Promise<ScimGroup | null> {
    return this.store.inDirectory(directory, id, { tag: 'scim:getGroup' });
  }

  list(directory: Directory, request: DirectoryListRequest): Promise<{ total: number; rows: ScimGroup[] }> {
    return this.store.directoryPage(directory, request);
  }

  /** Members of many groups in one statement, as the Group resources list them. */
  membersOf(groupIds: string[]): Promise<Map<string, GroupMemberRef[]>> {
    return this.store.memberRefs(groupIds);
  }

  /** The groups of many records in one statement, as the User resources list them. */
  groupsOf(recordIds: string[]): Promise<Map<string, Array<{ id: string; displayName: string }>>> {
    return this.store.groupRefs(recordIds);
  }
}
