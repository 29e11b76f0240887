import { sql, type RawBuilder } from 'kysely';
import { Account, AccountStatus } from '../accounts';
import { isUuid } from '../common';
import { as, tag, type Db, LostWriteRace, one } from '../db';
import type { Directory } from '../directories';
import { ScimRecord, type RecordState, type RecordSyncState } from '../scim';
import type { DomainStatus } from '../domains';

/** Everything the rules need to sync one record, read (and locked) in one statement. */
export interface PushFacts {
  /** The organization's domain of the wanted email, if it registered it. */
  domain: { id: string; status: DomainStatus } | null;
  /** Rule R8: another organization verified the email's domain. */
  ownedElsewhere: boolean;
  /** The record's linked account, locked. */
  linked: Account | null;
  /** The account that holds the wanted email (case-insensitively), locked. */
  holder: Account | null;
  /** The kinds of the record's OPEN conflicts: a sync resolves only what is open. */
  openKinds: Set<string>;
  /** The linked account has an OPEN DOMAIN_OWNED_ELSEWHERE conflict. */
  linkedOwnedElsewhere: boolean;
}

const ACCOUNT_COLUMNS = [
  'id',
  'organization_id',
  'version',
  'created_at',
  'updated_at',
  'email',
  'email_domain',
  'display_name',
  'origin',
  'status',
  'status_reason',
  'managed',
  'claimed_at',
] as const;

/** A new account's columns. */
export type NewAccount = Omit<
  Account,
  'id' | 'version' | 'createdAt' | 'updatedAt' | 'statusReason' | 'lastActivityAt'
>;

/** What an IdP push changes on a linked account. */
export type AccountChanges = Partial<Pick<Account, 'displayName' | 'status' | 'statusReason'>>;

/** `column = value` for each change, camelCase keys to snake_case columns; jsonb values as JSON text. */
const JSONB = new Set(['emails', 'rawPayload', 'acceptedState']);
const sets = (changes: object) =>
  sql.join(
    Object.entries(changes)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]: [string, unknown]) => {
        const column = sql.raw(key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
        return sql`${column} = ${JSONB.has(key) && value !== null ? JSON.stringify(value) : value}`;
      }),
  );

const camel = (column: string) => column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

const RECORD_COLUMNS = [
  'id',
  'organization_id',
  'directory_id',
  'account_id',
  'external_id',
  'user_name',
  'email',
  'emails',
  'given_name',
  'family_name',
  'display_name',
  'active',
  'raw_payload',
  'accepted_state',
  'sync_status',
  'last_error',
  'attempts',
  'next_retry_at',
  'last_synced_at',
  'unlinked_at',
  'version',
  'created_at',
  'updated_at',
] as const;

/**
 * One table's columns under an alias in a joined row (`linked_email`), so that two rows of one
 * table can share a result row: the select list, and the row's values back under their own
 * camelCase names. The names are worked out once: two regex replaces per column and row were 3%
 * of a push's CPU.
 */
class Prefixed {
  readonly columns: RawBuilder<unknown>;
  private readonly id: string;
  private readonly names: Array<[name: string, prefixedName: string]>;

  constructor(alias: string, columns: readonly string[]) {
    this.columns = sql.raw(columns.map((column) => `${alias}.${column} AS ${alias}_${column}`).join(', '));
    this.id = camel(`${alias}_id`);
    this.names = columns.map((column) => [camel(column), camel(`${alias}_${column}`)]);
  }

  /** The joined row's values; null when the join found none. */
  of(row: Record<string, unknown>): Record<string, unknown> | null {
    if (row[this.id] === null || row[this.id] === undefined) return null;
    const values: Record<string, unknown> = {};
    for (const [name, prefixedName] of this.names) values[name] = row[prefixedName];
    return values;
  }
}

const LINKED = new Prefixed('linked', ACCOUNT_COLUMNS);
const HOLDER = new Prefixed('holder', ACCOUNT_COLUMNS);
const CREATED_ACCOUNT = new Prefixed('account', ACCOUNT_COLUMNS);
const FOUND = new Prefixed('found', RECORD_COLUMNS);

/** A new record's columns in an INSERT ... SELECT, by property, with the types its parameters take there. */
const NEW_RECORD_COLUMNS = [
  ['id', 'id', 'uuid'],
  ['organization_id', 'organizationId', 'uuid'],
  ['directory_id', 'directoryId', 'uuid'],
  ['external_id', 'externalId', 'text'],
  ['user_name', 'userName', 'text'],
  ['email', 'email', 'text'],
  ['emails', 'emails', 'jsonb'],
  ['given_name', 'givenName', 'text'],
  ['family_name', 'familyName', 'text'],
  ['display_name', 'displayName', 'text'],
  ['active', 'active', 'boolean'],
  ['raw_payload', 'rawPayload', 'jsonb'],
  ['accepted_state', 'acceptedState', 'jsonb'],
  ['sync_status', 'syncStatus', 'text'],
  ['last_error', 'lastError', 'text'],
  ['attempts', 'attempts', 'int'],
  ['next_retry_at', 'nextRetryAt', 'timestamptz'],
  ['last_synced_at', 'lastSyncedAt', 'timestamptz'],
  ['unlinked_at', 'unlinkedAt', 'timestamptz'],
] as const satisfies ReadonlyArray<readonly [string, keyof ScimRecord, string]>;

/**
 * A sync's write of its record, for a statement's `record` CTE: the update of `changes`, or for a
 * create's new record (`insert`) its insert in the synced state, which writes nothing when a
 * concurrent create took its userName or externalId first. `account` links it to a created
 * account (a relation named `account` with its id).
 */
function recordWrite(
  record: ScimRecord,
  changes: Partial<RecordState> & RecordSyncState,
  insert: boolean,
  account: 'created' | null,
): RawBuilder<unknown> {
  if (!insert) {
    return account
      ? sql`UPDATE scim_record SET ${sets(changes)}, account_id = account.id, version = scim_record.version + 1, updated_at = now()
          FROM account WHERE scim_record.id = ${record.id}`
      : sql`UPDATE scim_record SET ${sets(changes)}, version = scim_record.version + 1, updated_at = now() WHERE id = ${record.id}`;
  }
  const written = Object.assign({}, record, changes);
  const value = (key: (typeof NEW_RECORD_COLUMNS)[number][1], type: string) =>
    type === 'jsonb' && written[key] !== null ? JSON.stringify(written[key]) : written[key];
  return sql`INSERT INTO scim_record (${sql.raw(NEW_RECORD_COLUMNS.map(([column]) => column).join(', '))}, account_id)
    SELECT ${sql.join(NEW_RECORD_COLUMNS.map(([, key, type]) => sql`${value(key, type)}::${sql.raw(type)}`))},
           ${account ? sql`account.id FROM account` : sql`${written.accountId}::uuid`}
    ON CONFLICT DO NOTHING`;
}

/**
 * Takes what a sync's statement wrote onto the record; a create's insert that wrote nothing lost
 * its identity to a concurrent create (LostWriteRace: the transaction runs again and finds it).
 */
function wrote<Row extends { version: unknown; createdAt: unknown; updatedAt: unknown }>(
  record: ScimRecord,
  changes: Partial<RecordState> & RecordSyncState,
  insert: boolean,
  row: Row | undefined,
): asserts row is Row {
  if (!row || row.version === null) {
    if (insert) throw new LostWriteRace('a SCIM record with this userName or externalId');
    throw new Error(`The SCIM record ${record.id} was not found for its sync`);
  }
  const created = insert ? { createdAt: row.createdAt } : {};
  Object.assign(record, changes, created, { version: row.version, updatedAt: row.updatedAt });
}

/**
 * The statements of provisioning that span features (accounts and domains beside SCIM records).
 * Raw `sql` over those features' tables: their typed tables belong to their own stores.
 */
export class ProvisioningStore {
  constructor(private readonly db: Db) {}

  /**
   * The facts of one sync in one round trip: the organization's domain of the email, whether
   * another organization verified it (share-locking every other organization's row of that name,
   * so a verification in flight either commits first and is seen here or waits for this
   * transaction), the linked account and the email's holder, both locked for the write.
   */
  async facts(
    organizationId: string,
    record: { id: string; accountId: string | null },
    email: string | null,
  ): Promise<PushFacts> {
    const [facts] = await this.read(organizationId, record, email, null);
    return facts;
  }

  /**
   * A create's one read: the directory's records that already have the push's identities (its
   * userName, or its externalId), locked, with the facts of syncing a new record. A new record is
   * inserted by its sync's write, in the state the sync decides.
   */
  async createFacts(
    organizationId: string,
    directoryId: string,
    state: RecordState,
  ): Promise<{ facts: PushFacts; found: ScimRecord[] }> {
    const [facts, found] = await this.read(organizationId, { id: null, accountId: null }, state.email, {
      create: { directoryId, state },
    });
    return { facts, found };
  }

  /**
   * A replace's one read: the record behind a SCIM id of this directory, locked (null for any
   * other id), with the facts of syncing it to `email`.
   */
  async replaceFacts(
    directory: Pick<Directory, 'id' | 'organizationId'>,
    id: string,
    email: string | null,
  ): Promise<{ record: ScimRecord | null; facts: PushFacts }> {
    const [facts, [record = null]] = await this.read(directory.organizationId, { id: null, accountId: null }, email, {
      held: { directoryId: directory.id, id },
    });
    return { record, facts };
  }

  private async read(
    organizationId: string,
    record: { id: string | null; accountId: string | null },
    email: string | null,
    lookup:
      { create: { directoryId: string; state: RecordState } } | { held: { directoryId: string; id: string } } | null,
  ): Promise<[PushFacts, ScimRecord[]]> {
    let found = sql`SELECT * FROM scim_record WHERE false`;
    // The record and its account, as given or as the lookup finds them.
    let recordId = sql`${record.id}::uuid`;
    let accountId = sql`${record.accountId}::uuid`;
    if (lookup && 'create' in lookup) {
      const { directoryId, state } = lookup.create;
      found = sql`SELECT * FROM scim_record WHERE directory_id = ${directoryId}::uuid
                    AND (lower(user_name) = lower(${state.userName}::text) OR external_id = ${state.externalId}::text)
                  FOR UPDATE`;
    } else if (lookup && isUuid(lookup.held.id)) {
      found = sql`SELECT * FROM scim_record WHERE id = ${lookup.held.id}::uuid
                    AND accepted_state IS DISTINCT FROM '{}'::jsonb AND organization_id = ${organizationId}::uuid AND directory_id = ${lookup.held.directoryId}::uuid
                  FOR UPDATE`;
      recordId = sql`(SELECT id FROM found)`;
      accountId = sql`(SELECT account_id FROM found)`;
    }
    const domainName = email ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : null;
    const { rows } = await sql<Record<string, unknown>>`
      WITH found AS (${found}),
           linked AS (SELECT * FROM account WHERE id = ${accountId} FOR UPDATE),
           holder AS (SELECT * FROM account WHERE lower(email) = lower(${email}::text) FOR UPDATE)
      SELECT
        (SELECT bool_or(e.status = 'VERIFIED') FROM
           (SELECT status FROM domain WHERE name = ${domainName}::text AND organization_id <> ${organizationId}::uuid
             ORDER BY id FOR SHARE) e) AS owned_elsewhere,
        own.id AS domain_id, own.status AS domain_status,
        ARRAY(SELECT DISTINCT kind FROM conflict
               WHERE organization_id = ${organizationId}::uuid AND scim_record_id = ${recordId} AND status = 'OPEN') AS open_kinds,
        EXISTS (SELECT 1 FROM conflict
                 WHERE organization_id = ${organizationId}::uuid AND status = 'OPEN' AND kind = 'DOMAIN_OWNED_ELSEWHERE'
                   AND (account_id = ${accountId} OR conflicting_account_id = ${accountId})) AS linked_owned_elsewhere,
        ${LINKED.columns}, ${HOLDER.columns}, ${FOUND.columns}
      FROM (SELECT 1) one
      LEFT JOIN domain own ON own.organization_id = ${organizationId}::uuid AND own.name = ${domainName}::text
      LEFT JOIN linked ON true
      LEFT JOIN holder ON true
      LEFT JOIN found ON true
      ${tag(lookup === null ? 'syncRecord:facts' : 'create' in lookup ? 'scim:createFacts' : 'scim:replaceFacts', { prepared: true })}`.execute(
      this.db,
    );
    const row = rows[0];
    const records = rows.map((found) => FOUND.of(found)).filter((values) => values !== null);
    const facts: PushFacts = {
      domain: row.domainId ? { id: row.domainId as string, status: row.domainStatus as DomainStatus } : null,
      ownedElsewhere: row.ownedElsewhere === true,
      linked: one(Account, LINKED.of(row)),
      holder: one(Account, HOLDER.of(row)),
      openKinds: new Set(row.openKinds as string[]),
      linkedOwnedElsewhere: row.linkedOwnedElsewhere === true,
    };
    return [facts, as(ScimRecord, records)];
  }

  /** The account holding this email (case-insensitively), locked: after a write lost a race for it. */
  async lockHolder(email: string): Promise<Account | null> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM account WHERE lower(email) = lower(${email}) FOR UPDATE ${tag('syncRecord:holder')}`.execute(
      this.db,
    );
    return rows.length > 0 ? as(Account, rows)[0] : null;
  }

  /**
   * A new SCIM account and the record's sync written with it, linked, in one statement; null
   * (nothing written) when another account took the email meanwhile: the email's unique index
   * refuses a concurrent twin. A create's `isNew` record is inserted then, in its synced state;
   * LostWriteRace when a concurrent create took its identity first (the account goes with the
   * transaction's retry).
   */
  async insertAccountAndSync(
    values: NewAccount,
    record: ScimRecord,
    changes: Partial<RecordState> & RecordSyncState,
    isNew: boolean,
  ): Promise<Account | null> {
    const { rows } = await sql<
      Record<string, unknown> & { version: number | null; createdAt: Date | null; updatedAt: Date | null }
    >`
      WITH account AS (
        INSERT INTO account (organization_id, email, email_domain, display_name, origin, status, managed, claimed_at)
        VALUES (${values.organizationId}, ${values.email}, ${values.emailDomain}, ${values.displayName},
                ${values.origin}, ${values.status}, ${values.managed}, ${values.claimedAt})
        ON CONFLICT DO NOTHING RETURNING *),
      record AS (${recordWrite(record, changes, isNew, 'created')} RETURNING scim_record.version, scim_record.created_at, scim_record.updated_at)
      SELECT ${CREATED_ACCOUNT.columns}, record.version, record.created_at, record.updated_at
      FROM account LEFT JOIN record ON true
      ${tag(isNew ? 'syncRecord:createAccountAndRecord' : 'syncRecord:createAccount', { prepared: true })}`.execute(
      this.db,
    );
    const row = rows.at(0);
    if (!row) return null;
    const account = one(Account, CREATED_ACCOUNT.of(row));
    if (!account) return null;
    wrote(record, { ...changes, accountId: account.id }, isNew, row);
    return account;
  }

  /**
   * The record's sync, with the push's changes to its linked account (if any), in one statement.
   * A create's `isNew` record is inserted then, in the state of `changes` (synced, or FAILED or
   * PENDING without account changes); LostWriteRace when a concurrent create took its identity first.
   */
  async sync(
    record: ScimRecord,
    changes: Partial<RecordState> & RecordSyncState,
    account: Account | null,
    accountChanges: AccountChanges,
    isNew: boolean,
  ): Promise<void> {
    const changesAccount = account !== null && Object.keys(accountChanges).length > 0;
    const accountUpdate = changesAccount
      ? sql`UPDATE account SET ${sets(accountChanges)}, version = version + 1, updated_at = now()${
          // A push that changes the account is activity, unless it suspends or deactivates it (README).
          accountChanges.status === undefined || accountChanges.status === AccountStatus.ACTIVE
            ? sql`, last_activity_at = now()`
            : sql``
        }
             WHERE id = ${account.id} RETURNING version, updated_at`
      : sql`SELECT NULL::int AS version, NULL::timestamptz AS updated_at WHERE false`;
    const { rows } = await sql<{
      version: number;
      createdAt: Date;
      updatedAt: Date;
      accountVersion: number | null;
      accountUpdatedAt: Date | null;
    }>`
      WITH account AS (${accountUpdate}),
      record AS (${recordWrite(record, changes, isNew, null)} RETURNING version, created_at, updated_at)
      SELECT record.version, record.created_at, record.updated_at, account.version AS account_version, account.updated_at AS account_updated_at
      FROM record LEFT JOIN account ON true
      ${tag(isNew ? 'syncRecord:insert' : 'syncRecord:synced', { prepared: true })}`.execute(this.db);
    const row = rows.at(0);
    wrote(record, changes, isNew, row);
    if (changesAccount) {
      Object.assign(account, accountChanges, { version: row.accountVersion, updatedAt: row.accountUpdatedAt });
    }
  }
}
