import type { EntityManager } from 'typeorm';
import { violatedUniqueConstraint } from '../db/pg-errors';
import { updateRow } from '../db/rows';
import { insertRow } from '../db/statements';
import { savepoint, type MutationScope } from '../db/transaction';
import type { Directory } from '../directories/directory.entity';
import { directoryRow } from './directory-rows';
import { ScimGroup } from './scim-group.entity';
import { ScimError, type ScimOutcome } from './scim-error';

/** A group as the IdP last described it; member ids are lower-case ScimRecord ids, deduplicated. */
export interface DesiredGroup {
  externalId: string | null;
  displayName: string;
  memberIds: string[];
  /** The request body without id, meta and members. */
  raw: Record<string, unknown>;
}

/** A member as a Group resource shows it. */
export interface GroupMemberRef {
  id: string;
  display: string;
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

/**
 * Members must be Users of the group's own directory. They are key-share locked, so a concurrent
 * DELETE of one waits for this transaction instead of failing its insert on the foreign key.
 */
async function checkMembers(tx: EntityManager, directory: Directory, memberIds: string[]): Promise<ScimError | null> {
  if (memberIds.length === 0) return null;
  const rows: Array<{ id: string }> = await tx.query(
    `/* scim:checkMembers */ SELECT id FROM scim_record WHERE directory_id = $1 AND id = ANY($2::uuid[]) FOR KEY SHARE`,
    [directory.id, memberIds],
  );
  if (rows.length === memberIds.length) return null;
  const found = new Set(rows.map((row) => row.id));
  const missing = memberIds.filter((id) => !found.has(id));
  return new ScimError(
    400,
    `members: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} ${missing.length === 1 ? 'is not a User' : 'are not Users'} of this directory.`,
    'invalidValue',
  );
}

async function addMembers(tx: EntityManager, groupId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  await tx.query(
    `/* scim:addMembers */ INSERT INTO scim_group_member (group_id, scim_record_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
    [groupId, memberIds],
  );
}

async function removeMembers(tx: EntityManager, groupId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  await tx.query(
    `/* scim:removeMembers */ DELETE FROM scim_group_member WHERE group_id = $1 AND scim_record_id = ANY($2::uuid[])`,
    [groupId, memberIds],
  );
}

/** The ids of a group's members, for a PATCH to apply to and a replace to diff against. */
export async function memberIdsOf(tx: EntityManager, groupId: string): Promise<string[]> {
  const rows: Array<{ scim_record_id: string }> = await tx.query(
    `/* scim:memberIds */ SELECT scim_record_id FROM scim_group_member WHERE group_id = $1 ORDER BY scim_record_id`,
    [groupId],
  );
  return rows.map((row) => row.scim_record_id);
}

/** A group of this directory, locked for the rest of the transaction; null for any other id. */
export const lockGroup = (m: MutationScope, directory: Directory, id: string): Promise<ScimGroup | null> =>
  directoryRow(m.tx, ScimGroup, directory, id, { comment: 'scim:lockGroup', lock: true });

/** Group writes, each inside the IdP's MutationScope (actor `scim:<directoryId>`). */
export const scimGroupMutations = {
  /**
   * A new group. externalId is unique per directory. Without one, a create repeating the name
   * of a group that has no externalId either is an IdP retrying after a timeout: 409, not a twin.
   */
  async create(m: MutationScope, directory: Directory, desired: DesiredGroup): Promise<GroupOutcome> {
    if (desired.externalId === null) {
      // No unique index can judge this case, so creates of one name take turns.
      await m.tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `scim_group:${directory.id}:${desired.displayName.toLowerCase()}`,
      ]);
      const same: unknown[] = await m.tx.query(
        `/* scim:groupByName */ SELECT 1 FROM scim_group WHERE directory_id = $1 AND lower(display_name) = lower($2) AND external_id IS NULL LIMIT 1`,
        [directory.id, desired.displayName],
      );
      if (same.length > 0)
        return rejected(
          new ScimError(
            409,
            `Resource [GROUP]: with displayName[${desired.displayName}] already exists.`,
            'uniqueness',
          ),
        );
    }
    const invalidMembers = await checkMembers(m.tx, directory, desired.memberIds);
    if (invalidMembers) return rejected(invalidMembers);
    // (directory_id, external_id) is the only unique key a new row can meet.
    const group = await insertRow(
      m.tx,
      ScimGroup,
      {
        organizationId: m.organizationId,
        directoryId: directory.id,
        externalId: desired.externalId,
        displayName: desired.displayName,
        rawPayload: desired.raw,
      },
      { comment: 'scim:createGroup', skipOnConflict: true },
    );
    if (!group) return externalIdTaken(desired.externalId);
    await addMembers(m.tx, group.id, desired.memberIds);
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
    const externalIdChanges = desired.externalId !== group.externalId;
    if (externalIdChanges && desired.externalId !== null) {
      const clash: unknown[] = await m.tx.query(
        `/* scim:groupByExternalId */ SELECT 1 FROM scim_group WHERE directory_id = $1 AND external_id = $2 AND id <> $3`,
        [directory.id, desired.externalId, group.id],
      );
      if (clash.length > 0) return externalIdTaken(desired.externalId);
    }
    const current = currentMemberIds ?? (await memberIdsOf(m.tx, group.id));
    const wanted = new Set(desired.memberIds);
    const had = new Set(current);
    const added = desired.memberIds.filter((id) => !had.has(id));
    const removed = current.filter((id) => !wanted.has(id));
    // Current members were checked when added, and leave with their record (ON DELETE CASCADE).
    const invalidMembers = await checkMembers(m.tx, directory, added);
    if (invalidMembers) return rejected(invalidMembers);
    const before = groupSnapshot(group, current.length);

    const update = () =>
      updateRow(m.tx, ScimGroup, group, {
        externalId: desired.externalId,
        displayName: desired.displayName,
        rawPayload: desired.raw,
      });
    try {
      // Only a changed externalId can meet the unique constraint (a concurrent writer taking it).
      await (externalIdChanges ? savepoint(m.tx, update) : update());
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'scim_group_directory_id_external_id_key')
        return externalIdTaken(desired.externalId);
      throw error;
    }
    await removeMembers(m.tx, group.id, removed);
    await addMembers(m.tx, group.id, added);
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
    const [{ count: memberCount }]: Array<{ count: number }> = await m.tx.query(
      `/* scim:memberCount */ SELECT count(*)::int AS count FROM scim_group_member WHERE group_id = $1`,
      [group.id],
    );
    await m.tx.query(`/* scim:deleteGroup */ DELETE FROM scim_group WHERE id = $1`, [group.id]);
    await m.audit({
      targetType: 'ScimGroup',
      targetId: group.id,
      before: groupSnapshot(group, memberCount),
      after: null,
    });
    return { kind: 'deleted' };
  },
};

/** A group of this directory, or null (another directory's or organization's id reads as absent). */
export function findGroup(tx: EntityManager, directory: Directory, id: string): Promise<ScimGroup | null> {
  return directoryRow(tx, ScimGroup, directory, id, { comment: 'scim:getGroup' });
}

/** Members of many groups in one query, as the Group resources list them. */
export async function memberRefsOf(tx: EntityManager, groupIds: string[]): Promise<Map<string, GroupMemberRef[]>> {
  const members = new Map<string, GroupMemberRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return members;
  const rows: Array<{ group_id: string; id: string; display: string }> = await tx.query(
    `/* scim:groupMembers */ SELECT m.group_id, r.id, COALESCE(NULLIF(r.display_name, ''), r.user_name) AS display
     FROM scim_group_member m JOIN scim_record r ON r.id = m.scim_record_id
     WHERE m.group_id = ANY($1::uuid[]) ORDER BY lower(r.user_name), r.id`,
    [groupIds],
  );
  for (const row of rows) members.get(row.group_id)?.push({ id: row.id, display: row.display });
  return members;
}

/** The groups of many records in one query, as the User resources list them. */
export async function groupRefsOf(
  tx: EntityManager,
  recordIds: string[],
): Promise<Map<string, Array<{ id: string; displayName: string }>>> {
  const groups = new Map<string, Array<{ id: string; displayName: string }>>(recordIds.map((id) => [id, []]));
  if (recordIds.length === 0) return groups;
  const rows: Array<{ scim_record_id: string; id: string; display_name: string }> = await tx.query(
    `/* scim:userGroups */ SELECT m.scim_record_id, g.id, g.display_name
     FROM scim_group_member m JOIN scim_group g ON g.id = m.group_id
     WHERE m.scim_record_id = ANY($1::uuid[]) ORDER BY lower(g.display_name), g.id`,
    [recordIds],
  );
  for (const row of rows) groups.get(row.scim_record_id)?.push({ id: row.id, displayName: row.display_name });
  return groups;
}
