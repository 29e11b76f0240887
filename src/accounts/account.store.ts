import { sql, type Generated, type Insertable, type Selectable, type Updateable } from 'kysely';
import {
  as,
  tag,
  type Db,
  paginate,
  type Keyset,
  type Page,
  violatedUniqueConstraint,
  withSavepoint,
  one,
  lockTenantRow,
  lockTenantRows,
} from '../db';
import { escapeLike } from '../common';
import { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';
import { AccountStatus, type AccountOrigin } from './account.enums';

/** The `account` table, in the entities' camelCase. */
interface AccountTable {
  id: Generated<string>;
  organizationId: string;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  email: string;
  emailDomain: string;
  displayName: string | null;
  origin: AccountOrigin;
  status: Generated<AccountStatus>;
  statusReason: string | null;
  managed: Generated<boolean>;
  claimedAt: Date | null;
  lastActivityAt: Generated<Date>;
}

/** The `account_email_change` table: an account's earlier addresses (rule R6 keeps them). */
interface AccountEmailChangeTable {
  id: Generated<string>;
  organizationId: string;
  accountId: string;
  previousEmail: string;
  newEmail: string;
  action: string;
  actor: string;
  changedAt: Generated<Date>;
}

declare module '../db/kysely' {
  interface Tables {
    account: AccountTable;
    accountEmailChange: AccountEmailChangeTable;
  }
}

/** The conditions of an account list; all given must hold. */
export interface AccountConditions {
  status?: AccountStatus | null;
  origin?: AccountOrigin | null;
  managed?: boolean | null;
  /** Stored (ASCII, lower-case) form. */
  domain?: string | null;
  emailPrefix?: string | null;
  idpManaged?: boolean | null;
  /** True: the email is on none of the organization's VERIFIED domains (rule R5's external accounts); false: it is on one. */
  external?: boolean | null;
  /** Accounts whose last activity is before this time (rule R5's inactive accounts). */
  inactiveSince?: Date | null;
}

/** Accounts sort by email, byte order: the order a portal shows and the index prefix search uses. */
export const ACCOUNT_KEYSET: Keyset<Selectable<AccountTable>> = {
  scope: 'accounts',
  direction: 'asc',
  keys: [
    { property: 'email', cast: 'text', wrap: (value) => sql`lower(${value}) COLLATE "C"` },
    { property: 'id', cast: 'uuid' },
  ],
};

/**
 * The accounts of an organization matching `filter`, every column, unordered: the list's one
 * query, which a read planner (src/graphql) extends with the relations a request asks for.
 */
export function accountList(db: Db, organizationId: string, filter: AccountConditions) {
  let query = db.selectFrom('account').selectAll().where('organizationId', '=', organizationId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.origin) query = query.where('origin', '=', filter.origin);
  if (filter.managed != null) query = query.where('managed', '=', filter.managed);
  if (filter.domain != null) query = query.where('emailDomain', '=', filter.domain);
  if (filter.emailPrefix) {
    const prefix = escapeLike(filter.emailPrefix.trim());
    query = query.where(sql<boolean>`lower(email) COLLATE "C" LIKE lower(${prefix}) || '%'`);
  }
  if (filter.idpManaged != null) {
    const linked = sql<boolean>`EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = account.id)`;
    query = query.where(filter.idpManaged ? linked : sql<boolean>`NOT ${linked}`);
  }
  if (filter.external != null) {
    const onVerifiedDomain = sql<boolean>`EXISTS (SELECT 1 FROM domain d WHERE d.organization_id = account.organization_id
      AND d.name = account.email_domain AND d.status = 'VERIFIED')`;
    query = query.where(filter.external ? sql<boolean>`NOT ${onVerifiedDomain}` : onVerifiedDomain);
  }
  if (filter.inactiveSince) query = query.where('lastActivityAt', '<', filter.inactiveSince);
  return query;
}

/** An account of another organization holding an address on a domain: what rule R8 needs to open its conflict there. */
export interface HolderElsewhere {
  id: string;
  organizationId: string;
  email: string;
  ownDomainId: string | null;
}

/** Every statement on accounts and their email history. */
export class AccountStore {
  constructor(private readonly db: Db) {}

  async page(
    organizationId: string,
    filter: AccountConditions,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<Account>> {
    const page = await paginate(accountList(this.db, organizationId, filter), ACCOUNT_KEYSET, args, 'accounts');
    return { ...page, nodes: as(Account, page.nodes) };
  }

  async byEmail(organizationId: string, email: string): Promise<Account | null> {
    const row = await this.db
      .selectFrom('account')
      .selectAll()
      .where(sql<boolean>`lower(email) = lower(${email})`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('accountByEmail'))
      .executeTakeFirst();
    return one(Account, row);
  }

  /** The DataLoader's batch: accounts of the organization by id. */
  async byIds(organizationId: string, ids: string[]): Promise<Account[]> {
    const rows = await this.db
      .selectFrom('account')
      .selectAll()
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('loader:accountById'))
      .execute();
    return as(Account, rows);
  }

  /** The DataLoader's batch: the email history of these accounts, newest change first. */
  async emailHistory(organizationId: string, accountIds: string[]): Promise<AccountEmailChange[]> {
    const rows = await this.db
      .selectFrom('accountEmailChange')
      .selectAll()
      .where('accountId', '=', sql<string>`ANY(${accountIds}::uuid[])`)
      .where('organizationId', '=', organizationId)
      .orderBy('changedAt', 'desc')
      .orderBy('id', 'desc')
      .modifyEnd(tag('loader:emailHistoryByAccount'))
      .execute();
    return as(AccountEmailChange, rows);
  }

  /**
   * Accounts on these domains (stored names) that no SCIM record backs and that are still active:
   * during a migration away from a domain they are reviewed and suspended (rule R5).
   */
  async staleOnDomains(organizationId: string, domainNames: string[]): Promise<Account[]> {
    if (domainNames.length === 0) return [];
    const rows = await this.db
      .selectFrom('account')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('emailDomain', '=', sql<string>`ANY(${domainNames}::text[])`)
      .where('status', '=', AccountStatus.ACTIVE)
      .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = account.id)`)
      .orderBy(sql`lower(email)`)
      .modifyEnd(tag('staleAccounts'))
      .execute();
    return as(Account, rows);
  }

  /**
   * Reads an account of the organization and locks it until the transaction ends, so the rule
   * checks that follow see what the write will change. Another organization's id reads as absent.
   */
  async lock(organizationId: string, id: string, name: string): Promise<Account | null> {
    return lockTenantRow(this.db, 'account', Account, organizationId, id, name);
  }

  /** Locks these accounts of the organization, in id order (so two claims never deadlock). */
  async lockMany(organizationId: string, ids: string[], name: string): Promise<Account[]> {
    return lockTenantRows(this.db, 'account', Account, organizationId, ids, name);
  }

  /**
   * Applies changes to a locked account, bumping its version; the account is updated in place.
   * `activity`: the change is activity of the account (a rename, a return to ACTIVE), so
   * lastActivityAt becomes now.
   */
  async update(
    account: Account,
    changes: Omit<Updateable<AccountTable>, 'id' | 'organizationId' | 'version' | 'updatedAt' | 'lastActivityAt'>,
    name = 'updateAccount',
    { activity = false } = {},
  ): Promise<Account> {
    const row = await this.db
      .updateTable('account')
      .set({
        ...changes,
        ...(activity ? { lastActivityAt: sql<Date>`now()` } : {}),
        version: sql<number>`version + 1`,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', account.id)
      .where('organizationId', '=', account.organizationId)
      .returning(['version', 'updatedAt', 'lastActivityAt'])
      .modifyEnd(tag(name))
      .executeTakeFirstOrThrow();
    return Object.assign(account, changes, row);
  }

  /**
   * Sets the status (and its reason) of these accounts, locked beforehand, in one statement;
   * answers each one's new version and update time by id.
   */
  async setStatus(
    organizationId: string,
    ids: string[],
    status: AccountStatus,
    statusReason: string | null,
    name: string,
  ): Promise<Map<string, { version: number; updatedAt: Date }>> {
    const rows = await this.db
      .updateTable('account')
      .set({ status, statusReason, version: sql<number>`version + 1`, updatedAt: sql<Date>`now()` })
      .where('organizationId', '=', organizationId)
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .returning(['id', 'version', 'updatedAt'])
      .modifyEnd(tag(name))
      .execute();
    return new Map(rows.map((row) => [row.id, { version: row.version, updatedAt: row.updatedAt }]));
  }

  /**
   * Moves an account to another address. False, with nothing changed and the transaction still
   * usable, when another account holds it: the unique index on lower(email) decides, inside a
   * savepoint so that its refusal does not end the transaction.
   */
  async changeEmail(account: Account, email: string, emailDomain: string): Promise<boolean> {
    try {
      // Renames and the IdP's pushes of a new address (SCIM calls this too) are activity.
      await withSavepoint(this.db, () =>
        this.update(account, { email, emailDomain }, 'changeAccountEmail', { activity: true }),
      );
      return true;
    } catch (error) {
      if (violatedUniqueConstraint(error) !== 'account_email_lower_key') throw error;
      return false;
    }
  }

  /** Lower-cased addresses of the placeholder series `local+duplicatedN@domain` already in use. */
  async placeholdersInUse(seriesPrefix: string, domain: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('account')
      .select(sql<string>`lower(email)`.as('email'))
      .where(
        sql<boolean>`lower(email) LIKE lower(${escapeLike(seriesPrefix)}) || '%+duplicated%@' || ${escapeLike(domain)}`,
      )
      .modifyEnd(tag('placeholders'))
      .execute();
    return new Set(rows.map((row) => row.email));
  }

  /** Whoever holds an address (in any organization), the account `exceptAccountId` aside. */
  async emailHolder(email: string, exceptAccountId: string): Promise<{ organizationId: string; email: string } | null> {
    const row = await this.db
      .selectFrom('account')
      .select(['organizationId', 'email'])
      .where(sql<boolean>`lower(email) = lower(${email})`)
      .where('id', '<>', exceptAccountId)
      .modifyEnd(tag('emailHolder'))
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * Marks accounts managed (given ones, or every unmanaged one on a domain) and answers the
   * claimed ones by id, with their claim time and new version.
   */
  async markManaged(
    organizationId: string,
    which: { ids: string[] } | { domain: string },
  ): Promise<Map<string, { claimedAt: Date; version: number }>> {
    let query = this.db
      .updateTable('account')
      .set({
        managed: true,
        claimedAt: sql<Date>`now()`,
        version: sql<number>`version + 1`,
        updatedAt: sql<Date>`now()`,
      })
      .where('organizationId', '=', organizationId);
    query =
      'ids' in which
        ? query.where('id', '=', sql<string>`ANY(${which.ids}::uuid[])`)
        : query.where('emailDomain', '=', which.domain).where('managed', '=', false);
    const rows = await query
      .returning(['id', 'claimedAt', 'version'])
      .modifyEnd(tag('ids' in which ? 'claimAccounts' : 'claimDomain'))
      .execute();
    return new Map(rows.map((row) => [row.id, { claimedAt: row.claimedAt as Date, version: row.version }]));
  }

  /**
   * Accounts of other organizations than `exceptOrganizationId` holding an address on `domain`,
   * not deactivated, with that organization's own domain of the name if it has one. One probe of
   * the (organization_id, email_domain, ...) index per other organization (OFFSET 0 keeps the
   * planner from flattening it into a scan of every account on the name, most of them the
   * verifier's own); no index on email_domain alone is worth its write cost for this.
   */
  async holdersElsewhere(domain: string, exceptOrganizationId: string): Promise<HolderElsewhere[]> {
    const { rows } = await sql<HolderElsewhere>`
      SELECT a.id, o.id AS organization_id, a.email, own.id AS own_domain_id
        FROM organization o
        JOIN LATERAL (SELECT a.id, a.email FROM account a
                       WHERE a.organization_id = o.id AND a.email_domain = ${domain}
                         AND a.status <> ${AccountStatus.DEACTIVATED} OFFSET 0) a ON true
        LEFT JOIN domain own ON own.organization_id = o.id AND own.name = ${domain}
       WHERE o.id <> ${exceptOrganizationId} ${tag('verifyDomain:holders')}`.execute(this.db);
    return rows;
  }

  /** An account as given: the demo seed's accounts that predate any IdP (provisioning writes its own). */
  async insert(values: Insertable<AccountTable>): Promise<Account> {
    const row = await this.db
      .insertInto('account')
      .values(values)
      .returningAll()
      .modifyEnd(tag('insertAccount'))
      .executeTakeFirstOrThrow();
    return as(Account, [row])[0];
  }

  /** A past email change as given (the demo seed's history; renames write theirs with the mutation). */
  async insertEmailChange(values: Insertable<AccountEmailChangeTable>): Promise<void> {
    await this.db.insertInto('accountEmailChange').values(values).modifyEnd(tag('insertAccountEmailChange')).execute();
  }
}
