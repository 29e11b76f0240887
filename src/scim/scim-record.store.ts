import { sql, type Generated, type JSONColumnType, type Selectable } from 'kysely';
import { isUuid } from '../common';
import { as, tag, type Db, paginate, type Keyset, type Page, one, lockTenantRow, lockTenantRows } from '../db';
import { Directory } from '../directories';
import { ScimRecord, type AcceptedState, type ScimEmail } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';
import { RecordWait, SyncStatus, type PushOutcome, type ScimOperation } from './scim-record.enums';
import type { ScimPushFilter, ScimRecordFilter } from './scim-record.inputs';
import { directoryPage, type DirectoryListRequest } from './directory-list';
import { USER_FILTER_SCHEMA } from './filter';

interface ScimRecordTable {
  id: Generated<string>;
  organizationId: string;
  directoryId: string;
  accountId: string | null;
  externalId: string | null;
  userName: string;
  email: string | null;
  emails: JSONColumnType<ScimEmail[]>;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: Generated<boolean>;
  rawPayload: JSONColumnType<Record<string, unknown>>;
  acceptedState: JSONColumnType<AcceptedState | null, string | null, string | null>;
  syncStatus: Generated<SyncStatus>;
  lastError: string | null;
  attempts: Generated<number>;
  nextRetryAt: Date | null;
  lastSyncedAt: Date | null;
  unlinkedAt: Date | null;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

interface ScimPushTable {
  id: Generated<string>;
  organizationId: string;
  directoryId: string;
  scimRecordId: string | null;
  operation: ScimOperation;
  outcome: PushOutcome;
  httpStatus: number | null;
  detail: string | null;
  payload: unknown;
  actor: string;
  requestId: string | null;
  findings: Generated<string[]>;
  receivedAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    scimRecord: ScimRecordTable;
    scimPush: ScimPushTable;
  }
}

/** What a push writes onto a record's columns (the desired state). */
export interface RecordState {
  externalId: string | null;
  userName: string;
  emails: ScimEmail[];
  email: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
  rawPayload: Record<string, unknown>;
  /** Set by a push not (yet) applied: what SCIM reads answer meanwhile (scim-record.entity.ts). */
  acceptedState?: AcceptedState | null;
}

/** The columns a sync decides. */
export type RecordSyncState = Partial<
  Pick<
    ScimRecord,
    | 'accountId'
    | 'syncStatus'
    | 'attempts'
    | 'lastError'
    | 'nextRetryAt'
    | 'lastSyncedAt'
    | 'unlinkedAt'
    | 'acceptedState'
  >
>;

/** Every column but the IdP's raw payload and email list (SCIM's business; GraphQL reads the columns). */
const LIGHT = [
  'id',
  'organizationId',
  'directoryId',
  'accountId',
  'externalId',
  'userName',
  'email',
  'givenName',
  'familyName',
  'displayName',
  'active',
  'syncStatus',
  'lastError',
  'attempts',
  'nextRetryAt',
  'lastSyncedAt',
  'unlinkedAt',
  'version',
  'createdAt',
  'updatedAt',
] as const;

const SCIM_RECORD_KEYSET: Keyset<Pick<Selectable<ScimRecordTable>, 'createdAt' | 'id'>> = {
  scope: 'scimRecords',
  direction: 'desc',
  keys: [
    { property: 'createdAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

/** The organization-wide provisioning log: newest first by id (ids are issued in commit order within a writer). */
const SCIM_PUSH_KEYSET: Keyset<Pick<Selectable<ScimPushTable>, 'id'>> = {
  scope: 'scimPushes',
  direction: 'desc',
  keys: [{ property: 'id', cast: 'bigint' }],
};

/** jsonb columns get JSON text: pg would send a JS array as a Postgres array. */
const stateValues = (state: Partial<RecordState>) => ({
  ...state,
  emails: state.emails === undefined ? undefined : JSON.stringify(state.emails),
  rawPayload: state.rawPayload === undefined ? undefined : JSON.stringify(state.rawPayload),
  acceptedState: state.acceptedState ? JSON.stringify(state.acceptedState) : state.acceptedState,
});

/** SCIM reads skip a record no push of which was ever accepted (a refused create): the IdP never learned it. */
const accepted = sql<boolean>`accepted_state IS DISTINCT FROM '{}'::jsonb`;

/** Every statement on scim_record and scim_push. */
export class ScimRecordStore {
  constructor(private readonly db: Db) {}

  /** A record of this directory, optionally locked; null for any other id (another directory's reads as absent). */
  async inDirectory(
    directory: Pick<Directory, 'id' | 'organizationId'>,
    id: string,
    options: { tag: string; lock?: boolean },
  ): Promise<ScimRecord | null> {
    // Anything but a UUID would be a cast error in Postgres, not a 404.
    if (!isUuid(id)) return null;
    let query = this.db
      .selectFrom('scimRecord')
      .selectAll()
      .where('id', '=', id)
      .where('organizationId', '=', directory.organizationId)
      .where('directoryId', '=', directory.id)
      .where(accepted);
    if (options.lock) query = query.forUpdate();
    const row = await query.modifyEnd(tag(options.tag)).executeTakeFirst();
    return one(ScimRecord, row);
  }

  /** A record of the organization, locked (a GraphQL mutation's start); null for any other id. */
  async lockInOrganization(organizationId: string, id: string, name: string): Promise<ScimRecord | null> {
    return lockTenantRow(this.db, 'scim_record', ScimRecord, organizationId, id, name);
  }

  /** The organization's records among `ids`, locked in id order (two bulk calls never wait on each other in a cycle). */
  async lockManyInOrganization(organizationId: string, ids: string[], name: string): Promise<ScimRecord[]> {
    return lockTenantRows(this.db, 'scim_record', ScimRecord, organizationId, ids, name);
  }

  /** Another record of the directory with this userName, locked. */
  async lockUserNameHolder(directoryId: string, userName: string, exceptId: string): Promise<ScimRecord | null> {
    const row = await this.db
      .selectFrom('scimRecord')
      .selectAll()
      .where('directoryId', '=', directoryId)
      .where(sql<boolean>`lower(user_name) = lower(${userName})`)
      .where('id', '<>', exceptId)
      .forUpdate()
      .modifyEnd(tag('scim:findRecord'))
      .executeTakeFirst();
    return one(ScimRecord, row);
  }

  async externalIdTaken(directoryId: string, externalId: string, exceptId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('scimRecord')
      .select(sql<number>`1`.as('one'))
      .where('directoryId', '=', directoryId)
      .where('externalId', '=', externalId)
      .where('id', '<>', exceptId)
      .modifyEnd(tag('scim:userByExternalId'))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The id of a record of this directory, if it is one (a push refused before its body was read). */
  async idInDirectory(directoryId: string, id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const row = await this.db
      .selectFrom('scimRecord')
      .select('id')
      .where('id', '=', id)
      .where('directoryId', '=', directoryId)
      .modifyEnd(tag('scim:recordId'))
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** Applies changes to a locked record, bumping its version; the record object follows. */
  async update(record: ScimRecord, changes: Partial<RecordState> & RecordSyncState, name: string): Promise<ScimRecord> {
    const row = await this.db
      .updateTable('scimRecord')
      .set({ ...stateValues(changes), version: sql`version + 1`, updatedAt: sql`now()` })
      .where('id', '=', record.id)
      .returning(['version', 'updatedAt'])
      .modifyEnd(tag(name, { prepared: true }))
      .executeTakeFirstOrThrow();
    return Object.assign(record, changes, row);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('scimRecord').where('id', '=', id).modifyEnd(tag('scim:deleteRecord')).execute();
  }

  /** Whether another record of the directory is linked to the account (one record per account and directory). */
  async linkedInDirectory(directoryId: string, accountId: string, exceptRecordId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('scimRecord')
      .select(sql<number>`1`.as('one'))
      .where('directoryId', '=', directoryId)
      .where('accountId', '=', accountId)
      .where('id', '<>', exceptRecordId)
      .limit(1)
      .modifyEnd(tag('scim:linkedInDirectory'))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** For each account, the names of the directories whose records provision it (rule R1's facts). */
  async linkedDirectoryNames(accountIds: string[]): Promise<Map<string, string[]>> {
    const linked = new Map<string, string[]>(accountIds.map((id) => [id, []]));
    if (accountIds.length === 0) return linked;
    // The directory's name by a scalar subquery: directory is the directories feature's table.
    const rows = await this.db
      .selectFrom('scimRecord as r')
      .select(['r.accountId', sql<string>`(SELECT d.name FROM directory d WHERE d.id = r.directory_id)`.as('name')])
      .where('r.accountId', '=', sql<string>`ANY(${accountIds}::uuid[])`)
      .orderBy('name')
      .modifyEnd(tag('linkedDirectories'))
      .execute();
    for (const row of rows) if (row.accountId) linked.get(row.accountId)?.push(row.name);
    return linked;
  }

  /** FAILED records whose backoff has expired, oldest due first. */
  async due(limit: number): Promise<Array<{ id: string; organizationId: string }>> {
    return this.db
      .selectFrom('scimRecord')
      .select(['id', 'organizationId'])
      .where('syncStatus', '=', SyncStatus.FAILED)
      .where('nextRetryAt', '<=', sql<Date>`now()`)
      .orderBy('nextRetryAt')
      .limit(limit)
      .modifyEnd(tag('retryWorker:due'))
      .execute();
  }

  /** Claims a due record for one retry: locked, skipped when another worker holds it, null when no longer due. */
  async claimDue(id: string, organizationId: string): Promise<ScimRecord | null> {
    const row = await this.db
      .selectFrom('scimRecord')
      .selectAll()
      .where('id', '=', id)
      .where('organizationId', '=', organizationId)
      .where('syncStatus', '=', SyncStatus.FAILED)
      .where('nextRetryAt', '<=', sql<Date>`now()`)
      .forUpdate()
      .skipLocked()
      .modifyEnd(tag('retryWorker:claim'))
      .executeTakeFirst();
    return one(ScimRecord, row);
  }

  /** GraphQL's list: keyset pages of the organization's records, without the raw payload. */
  async page(
    organizationId: string,
    filter: ScimRecordFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<ScimRecord>> {
    let query = this.db.selectFrom('scimRecord').select(LIGHT).where('organizationId', '=', organizationId);
    if (filter.syncStatus) query = query.where('syncStatus', '=', filter.syncStatus);
    if (filter.directoryId != null) {
      query = isUuid(filter.directoryId)
        ? query.where('directoryId', '=', filter.directoryId)
        : query.where(sql<boolean>`false`);
    }
    if (filter.active != null) query = query.where('active', '=', filter.active);
    if (filter.userName != null) query = query.where(sql<boolean>`lower(user_name) = lower(${filter.userName})`);
    if (filter.externalId != null) query = query.where('externalId', '=', filter.externalId);
    if (filter.linked != null) query = query.where('accountId', filter.linked ? 'is not' : 'is', null);
    // The conditions of waitOf (record-wait.ts).
    switch (filter.waitingFor) {
      case RecordWait.CLAIM:
      case RecordWait.LINK:
        query = query
          .where('syncStatus', '=', SyncStatus.PENDING)
          .where('accountId', 'is', null)
          .where('unlinkedAt', filter.waitingFor === RecordWait.CLAIM ? 'is' : 'is not', null);
        break;
      case RecordWait.RESYNC:
        query = query.where('syncStatus', '=', SyncStatus.PENDING).where('accountId', 'is not', null);
        break;
      case RecordWait.RETRY:
        query = query.where('syncStatus', '=', SyncStatus.FAILED);
        break;
      case null:
      case undefined:
        break;
    }
    const page = await paginate(query, SCIM_RECORD_KEYSET, args, 'scimRecords');
    return { ...page, nodes: as(ScimRecord, page.nodes) };
  }

  /** SCIM's list: a page of the directory's Users, filtered and sorted as the IdP asked. */
  async directoryPage(
    directory: Pick<Directory, 'id' | 'organizationId'>,
    request: DirectoryListRequest,
  ): Promise<{ total: number; rows: ScimRecord[] }> {
    const base = this.db
      .selectFrom('scimRecord as r')
      .where('r.organizationId', '=', directory.organizationId)
      .where('r.directoryId', '=', directory.id)
      .where(sql<boolean>`r.accepted_state IS DISTINCT FROM '{}'::jsonb`);
    const page = await directoryPage(base, 'r', USER_FILTER_SCHEMA, request, 'scim:listUsers');
    return { total: page.total, rows: as(ScimRecord, page.rows) };
  }

  // The directories feature's rows SCIM needs (raw `sql`: the directory table is that feature's to type).

  /** The record's directory (the foreign key guarantees it). */
  async directoryOf(record: Pick<ScimRecord, 'directoryId'>): Promise<Directory> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM directory WHERE id = ${record.directoryId} ${tag('scim:directory')}`.execute(this.db);
    return as(Directory, rows)[0];
  }

  // DataLoader batches: one statement per batch, scoped by organization.

  async byIds(ids: readonly string[], organizationId: string): Promise<ScimRecord[]> {
    const rows = await this.db
      .selectFrom('scimRecord')
      .select(LIGHT)
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('loader:scimRecordById'))
      .execute();
    return as(ScimRecord, rows);
  }

  async byAccounts(accountIds: readonly string[], organizationId: string): Promise<ScimRecord[]> {
    const rows = await this.db
      .selectFrom('scimRecord')
      .select(LIGHT)
      .where('accountId', '=', sql<string>`ANY(${accountIds}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt')
      .modifyEnd(tag('loader:scimRecordsByAccount'))
      .execute();
    return as(ScimRecord, rows);
  }

  /** The organization-wide provisioning log: keyset pages of every push, newest first. */
  async pushPage(
    organizationId: string,
    filter: ScimPushFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<ScimPush>> {
    let query = this.db.selectFrom('scimPush').selectAll().where('organizationId', '=', organizationId);
    if (filter.directoryId != null) {
      query = isUuid(filter.directoryId)
        ? query.where('directoryId', '=', filter.directoryId)
        : query.where(sql<boolean>`false`);
    }
    if (filter.outcome != null) query = query.where('outcome', '=', filter.outcome);
    if (filter.status != null) query = query.where('httpStatus', '=', filter.status);
    if (filter.operation != null) query = query.where('operation', '=', filter.operation);
    if (filter.since != null) query = query.where('receivedAt', '>=', filter.since);
    const page = await paginate(query, SCIM_PUSH_KEYSET, args, 'scimPushes');
    return { ...page, nodes: as(ScimPush, page.nodes) };
  }

  async pushesOf(recordIds: readonly string[], organizationId: string): Promise<ScimPush[]> {
    const rows = await this.db
      .selectFrom('scimPush')
      .selectAll()
      .where('scimRecordId', '=', sql<string>`ANY(${recordIds}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .orderBy('id', 'desc')
      .modifyEnd(tag('loader:pushesByRecord'))
      .execute();
    return as(ScimPush, rows);
  }
}
