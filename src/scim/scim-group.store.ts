import { sql, type Generated, type JSONColumnType } from 'kysely';
import { isUuid } from '../common';
import { as, tag, type Db, one } from '../db';
import type { Directory } from '../directories';
import { directoryPage, type DirectoryListRequest } from './directory-list';
import { ScimGroup } from './scim-group.entity';
import { GROUP_FILTER_SCHEMA } from './resource-schemas';

interface ScimGroupTable {
  id: Generated<string>;
  organizationId: string;
  directoryId: string;
  externalId: string | null;
  displayName: string;
  rawPayload: JSONColumnType<Record<string, unknown>>;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

interface ScimGroupMemberTable {
  groupId: string;
  scimRecordId: string;
}

declare module '../db/kysely' {
  interface Tables {
    scimGroup: ScimGroupTable;
    scimGroupMember: ScimGroupMemberTable;
  }
}

/** A member as a Group resource shows it. */
export interface GroupMemberRef {
  id: string;
  display: string;
}

/** What a group write sets. */
export interface GroupState {
  externalId: string | null;
  displayName: string;
  rawPayload: Record<string, unknown>;
}

/** Every statement on scim_group and scim_group_member. */
export class ScimGroupStore {
  constructor(private readonly db: Db) {}

  /** A group of this directory, optionally locked; null for any other id. */
  async inDirectory(
    directory: Pick<Directory, 'id' | 'organizationId'>,
    id: string,
    options: { tag: string; lock?: boolean },
  ): Promise<ScimGroup | null> {
    if (!isUuid(id)) return null;
    let query = this.db
      .selectFrom('scimGroup')
      .selectAll()
      .where('id', '=', id)
      .where('organizationId', '=', directory.organizationId)
      .where('directoryId', '=', directory.id);
    if (options.lock) query = query.forUpdate();
    const row = await query.modifyEnd(tag(options.tag)).executeTakeFirst();
    return one(ScimGroup, row);
  }

  /** Creates of one name (without externalId) take turns: no unique index can judge them. */
  async lockName(directoryId: string, displayName: string): Promise<void> {
    const key = `scim_group:${directoryId}:${displayName.toLowerCase()}`;
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0)) ${tag('scim:lockGroupName')}`.execute(this.db);
  }

  async nameTakenWithoutExternalId(directoryId: string, displayName: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('scimGroup')
      .select(sql<number>`1`.as('one'))
      .where('directoryId', '=', directoryId)
      .where(sql<boolean>`lower(display_name) = lower(${displayName})`)
      .where('externalId', 'is', null)
      .limit(1)
      .modifyEnd(tag('scim:groupByName'))
      .executeTakeFirst();
    return row !== undefined;
  }

  async externalIdTaken(directoryId: string, externalId: string, exceptId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('scimGroup')
      .select(sql<number>`1`.as('one'))
      .where('directoryId', '=', directoryId)
      .where('externalId', '=', externalId)
      .where('id', '<>', exceptId)
      .modifyEnd(tag('scim:groupByExternalId'))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Which of these ids are Users of the directory. They are key-share locked, so a concurrent
   * DELETE of one waits for this transaction instead of failing its insert on the foreign key.
   */
  async lockMembers(directoryId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('scimRecord')
      .select('id')
      .where('directoryId', '=', directoryId)
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .forKeyShare()
      .modifyEnd(tag('scim:checkMembers'))
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  /** A new group; null when the directory already has its externalId. */
  async insert(organizationId: string, directoryId: string, state: GroupState): Promise<ScimGroup | null> {
    const row = await this.db
      .insertInto('scimGroup')
      .values({ organizationId, directoryId, ...state, rawPayload: JSON.stringify(state.rawPayload) })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .modifyEnd(tag('scim:createGroup'))
      .executeTakeFirst();
    return one(ScimGroup, row);
  }

  /** Applies a locked group's new state, bumping its version; the group object follows. */
  async update(group: ScimGroup, state: GroupState): Promise<ScimGroup> {
    const row = await this.db
      .updateTable('scimGroup')
      .set({ ...state, rawPayload: JSON.stringify(state.rawPayload), version: sql`version + 1`, updatedAt: sql`now()` })
      .where('id', '=', group.id)
      .returning(['version', 'updatedAt'])
      .modifyEnd(tag('scim:updateGroup'))
      .executeTakeFirstOrThrow();
    return Object.assign(group, state, row);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('scimGroup').where('id', '=', id).modifyEnd(tag('scim:deleteGroup')).execute();
  }

  async addMembers(groupId: string, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    await this.db
      .insertInto('scimGroupMember')
      .columns(['groupId', 'scimRecordId'])
      .expression(sql`SELECT ${groupId}::uuid, unnest(${memberIds}::uuid[])`)
      .onConflict((oc) => oc.doNothing())
      .modifyEnd(tag('scim:addMembers'))
      .execute();
  }

  async removeMembers(groupId: string, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    await this.db
      .deleteFrom('scimGroupMember')
      .where('groupId', '=', groupId)
      .where('scimRecordId', '=', sql<string>`ANY(${memberIds}::uuid[])`)
      .modifyEnd(tag('scim:removeMembers'))
      .execute();
  }

  /** The ids of a group's members, for a PATCH to apply to and a replace to diff against. */
  async memberIds(groupId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('scimGroupMember')
      .select('scimRecordId')
      .where('groupId', '=', groupId)
      .orderBy('scimRecordId')
      .modifyEnd(tag('scim:memberIds'))
      .execute();
    return rows.map((row) => row.scimRecordId);
  }

  async memberCount(groupId: string): Promise<number> {
    const row = await this.db
      .selectFrom('scimGroupMember')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('groupId', '=', groupId)
      .modifyEnd(tag('scim:memberCount'))
      .executeTakeFirstOrThrow();
    return row.count;
  }

  /** Members of many groups in one statement, as the Group resources list them. */
  async memberRefs(groupIds: string[]): Promise<Map<string, GroupMemberRef[]>> {
    const members = new Map<string, GroupMemberRef[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return members;
    const rows = await this.db
      .selectFrom('scimGroupMember as m')
      .innerJoin('scimRecord as r', 'r.id', 'm.scimRecordId')
      .select(['m.groupId', 'r.id', sql<string>`COALESCE(NULLIF(r.display_name, ''), r.user_name)`.as('display')])
      .where('m.groupId', '=', sql<string>`ANY(${groupIds}::uuid[])`)
      .orderBy(sql`lower(r.user_name)`)
      .orderBy('r.id')
      .modifyEnd(tag('scim:groupMembers'))
      .execute();
    for (const row of rows) members.get(row.groupId)?.push({ id: row.id, display: row.display });
    return members;
  }

  /** The groups of many records in one statement, as the User resources list them. */
  async groupRefs(recordIds: string[]): Promise<Map<string, Array<{ id: string; displayName: string }>>> {
    const groups = new Map<string, Array<{ id: string; displayName: string }>>(recordIds.map((id) => [id, []]));
    if (recordIds.length === 0) return groups;
    const rows = await this.db
      .selectFrom('scimGroupMember as m')
      .innerJoin('scimGroup as g', 'g.id', 'm.groupId')
      .select(['m.scimRecordId', 'g.id', 'g.displayName'])
      .where('m.scimRecordId', '=', sql<string>`ANY(${recordIds}::uuid[])`)
      .orderBy(sql`lower(g.display_name)`)
      .orderBy('g.id')
      .modifyEnd(tag('scim:userGroups'))
      .execute();
    for (const row of rows) groups.get(row.scimRecordId)?.push({ id: row.id, displayName: row.displayName });
    return groups;
  }

  /** SCIM's list: a page of the directory's Groups. */
  async directoryPage(
    directory: Pick<Directory, 'id' | 'organizationId'>,
    request: DirectoryListRequest,
  ): Promise<{ total: number; rows: ScimGroup[] }> {
    const base = this.db
      .selectFrom('scimGroup as g')
      .where('g.organizationId', '=', directory.organizationId)
      .where('g.directoryId', '=', directory.id);
    const page = await directoryPage(base, 'g', GROUP_FILTER_SCHEMA, request, 'scim:listGroups');
    return { total: page.total, rows: as(ScimGroup, page.rows) };
  }

  // DataLoader batches, scoped by organization.

  /** Groups of the records linked to each account (an account has at most one record per directory). */
  async byAccounts(accountIds: string[], organizationId: string): Promise<Array<ScimGroup & { key: string }>> {
    const rows = await this.db
      .selectFrom('scimRecord as r')
      .innerJoin('scimGroupMember as m', 'm.scimRecordId', 'r.id')
      .innerJoin('scimGroup as g', 'g.id', 'm.groupId')
      .distinct()
      .selectAll('g')
      .select('r.accountId as key')
      .where('r.accountId', '=', sql<string>`ANY(${accountIds}::uuid[])`)
      .where('r.organizationId', '=', organizationId)
      .orderBy('g.displayName')
      .orderBy('g.id')
      .modifyEnd(tag('loader:scimGroupsByAccount'))
      .execute();
    return as(ScimGroup, rows) as Array<ScimGroup & { key: string }>;
  }

  async byRecords(recordIds: string[], organizationId: string): Promise<Array<ScimGroup & { key: string }>> {
    const rows = await this.db
      .selectFrom('scimGroupMember as m')
      .innerJoin('scimGroup as g', 'g.id', 'm.groupId')
      .selectAll('g')
      .select('m.scimRecordId as key')
      .where('m.scimRecordId', '=', sql<string>`ANY(${recordIds}::uuid[])`)
      .where('g.organizationId', '=', organizationId)
      .orderBy('g.displayName')
      .orderBy('g.id')
      .modifyEnd(tag('loader:scimGroupsByRecord'))
      .execute();
    return as(ScimGroup, rows) as Array<ScimGroup & { key: string }>;
  }

  async memberCounts(groupIds: string[], organizationId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('scimGroupMember as m')
      .innerJoin('scimGroup as g', 'g.id', 'm.groupId')
      .select(['m.groupId', sql<number>`count(*)::int`.as('members')])
      .where('m.groupId', '=', sql<string>`ANY(${groupIds}::uuid[])`)
      .where('g.organizationId', '=', organizationId)
      .groupBy('m.groupId')
      .modifyEnd(tag('loader:scimGroupMemberCount'))
      .execute();
    return new Map(rows.map((row) => [row.groupId, row.members]));
  }
}
