import type { DataSource } from 'typeorm';
import { queryBuilderFor, type Db, type Queryable, type Page, type MutationScope } from '../db';
import { asciiDomain } from '../domains';
import { type Locked, lockedAsExpected } from '../common';
import type { Account } from './account.entity';
import { changeAccountEmail } from './account-email-change';
import { firstFreePlaceholder, placeholderSeriesPrefix } from './email';
import { AccountStore } from './account.store';
import type { AccountFilter } from './account.inputs';

/** The reads of accounts outside a mutation: lists and look-ups on the pool. */
export class AccountService {
  private readonly store: AccountStore;

  constructor(db: DataSource) {
    this.store = new AccountStore(queryBuilderFor(db));
  }

  list(
    organizationId: string,
    filter: AccountFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<Account>> {
    const domain = filter.domain != null ? asciiDomain(filter.domain) : null;
    return this.store.page(organizationId, { ...filter, domain }, page);
  }

  findByEmail(organizationId: string, email: string): Promise<Account | null> {
    return this.store.byEmail(organizationId, email.trim());
  }
}

/**
 * Accounts on these domains (stored names) that no SCIM record backs and that are still active:
 * during a migration away from a domain they are reviewed and suspended (rule R5).
 */
export function staleAccounts(db: Queryable | Db, organizationId: string, domainNames: string[]): Promise<Account[]> {
  const builder = 'selectFrom' in db ? db : queryBuilderFor(db);
  return new AccountStore(builder).staleOnDomains(organizationId, domainNames);
}

/**
 * How a mutation of one account starts: the account locked (the statement named for the action),
 * then NOT_FOUND when it is absent, or VERSION_CONFLICT when `expectedVersion` is stale.
 */
export async function lockAccount(
  m: MutationScope,
  input: { accountId: string; expectedVersion?: number | null },
  /** The argument that names the account: `accountId`, or `id` for the status mutations. */
  field = 'accountId',
): Promise<Locked<Account>> {
  const account = await new AccountStore(m.db).lock(m.organizationId, input.accountId, m.action);
  return lockedAsExpected(account, input.expectedVersion, 'account', field);
}

const MAX_PLACEHOLDER_ATTEMPTS = 100;

/**
 * Takes the first free placeholder. Concurrent renames of accounts sharing a local part can pick
 * the same one; the unique index lets exactly one win and the others move on to the next number.
 */
export async function renameToPlaceholder(
  m: MutationScope,
  account: Account,
  local: string,
  domain: string,
): Promise<void> {
  let from = 1;
  for (let attempt = 0; attempt < MAX_PLACEHOLDER_ATTEMPTS; attempt++) {
    const inUse = await new AccountStore(m.db).placeholdersInUse(placeholderSeriesPrefix(local, domain), domain);
    const candidate = firstFreePlaceholder(local, domain, inUse, from);
    if (await changeAccountEmail(m, account, candidate.email, domain)) return;
    from = candidate.n + 1;
  }
  throw new Error(`No free placeholder for ${account.email} after ${MAX_PLACEHOLDER_ATTEMPTS} attempts`);
}
