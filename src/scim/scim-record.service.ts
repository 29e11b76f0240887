import type { DataSource } from 'typeorm';
import { queryBuilderFor, type Db, type Page, type MutationScope } from '../db';
import { type Locked, lockedAsExpected } from '../common';
import type { Directory } from '../directories';
import type { DirectoryListRequest } from './directory-list';
import type { ScimRecord } from './scim-record.entity';
import { ScimRecordStore } from './scim-record.store';
import type { ScimPushFilter, ScimRecordFilter } from './scim-record.inputs';
import type { ScimPush } from './scim-push.entity';

export class ScimRecordService {
  private readonly store: ScimRecordStore;

  constructor(db: DataSource) {
    this.store = new ScimRecordStore(queryBuilderFor(db));
  }

  list(
    organizationId: string,
    filter: ScimRecordFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<ScimRecord>> {
    return this.store.page(organizationId, filter, page);
  }

  /** The organization-wide provisioning log, newest first. */
  pushes(
    organizationId: string,
    filter: ScimPushFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<ScimPush>> {
    return this.store.pushPage(organizationId, filter, page);
  }
}

/** The Users endpoint's reads, on the pool. */
export class ScimRecordQueries {
  private readonly store: ScimRecordStore;

  constructor(db: DataSource) {
    this.store = new ScimRecordStore(queryBuilderFor(db));
  }

  /** A record of this directory, or null (another directory's or organization's id reads as absent). */
  find(directory: Directory, id: string): Promise<ScimRecord | null> {
    return this.store.inDirectory(directory, id, { tag: 'scim:getUser' });
  }

  list(directory: Directory, request: DirectoryListRequest): Promise<{ total: number; rows: ScimRecord[] }> {
    return this.store.directoryPage(directory, request);
  }
}

/** The record behind a SCIM User id in this directory, locked; null for any other id. */
export const lockUser = (m: MutationScope, directory: Directory, id: string): Promise<ScimRecord | null> =>
  new ScimRecordStore(m.db).inDirectory(directory, id, { tag: 'scim:lockUser', lock: true });

/** The id of a record of this directory, if `id` is one. */
export const recordIdInDirectory = (m: MutationScope, directoryId: string, id: string): Promise<string | null> =>
  new ScimRecordStore(m.db).idInDirectory(directoryId, id);

/** For each account, the names of the directories whose SCIM records provision it (rule R1's facts). */
export function linkedDirectoryNames(db: Db, accountIds: string[]): Promise<Map<string, string[]>> {
  return new ScimRecordStore(db).linkedDirectoryNames(accountIds);
}

/** A record of the caller's organization, locked, and checked against the caller's expectedVersion. */
export async function lockCurrentRecord(
  m: MutationScope,
  id: string,
  expectedVersion: number | null | undefined,
): Promise<Locked<ScimRecord>> {
  const row = await new ScimRecordStore(m.db).lockInOrganization(m.organizationId, id, m.action);
  return lockedAsExpected(row, expectedVersion, 'SCIM record', 'id');
}
