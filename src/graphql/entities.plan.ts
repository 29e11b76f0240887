import type { GraphQLResolveInfo } from 'graphql';
import { sql } from 'kysely';
import { isUuid } from '../common';
import { Scope } from '../auth';
import type { Context } from '../context';
import { queryBuilderFor, tag } from '../db';
import { Account } from '../accounts';
import { accountRelationColumns, accountRelations, primeAccount } from './account-search.plan';
import { isOnlyRootField, selectionOf, type Selection } from './selection';
import { selectedColumns } from './json-rows';
import { entityOf } from './relations';

/** An `_entities` call's Account ids: well-formed, lower case, each once (the rest resolve to null as before). */
function accountIds(representations: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const representation of representations) {
    const { __typename, id } = representation as { __typename?: unknown; id?: unknown };
    if (__typename === 'Account' && typeof id === 'string' && isUuid(id)) ids.add(id.toLowerCase());
  }
  return [...ids];
}

/**
 * Plans `_entities` before its reference resolvers run: every Account it names, with the
 * relations the selection asks for on Account (domain, SCIM records, conflicts), in ONE
 * statement that primes the request's loaders. When every representation is an Account (the
 * gateway's usual batch), the answer is the list itself, in order, null for unknown or foreign
 * ids, as `__resolveReference` would give it, without a promise per entity; otherwise the
 * reference resolvers run and find the accounts primed. Other types keep their batched loaders.
 * A caller without read access gets no statement: the reference resolvers refuse it as before.
 * A batch that asks for account columns only reads just those (narrowedColumns).
 */
export async function planEntities(
  representations: readonly unknown[],
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<readonly unknown[] | null> {
  if (!ctx.principal?.scopes.has(Scope.READ)) return null;
  const ids = accountIds(representations);
  if (ids.length === 0) return null;
  const organizationId = ctx.organizationId;
  const selection = selectionOf(info).on('Account');
  const db = queryBuilderFor(ctx.services.db);
  const found = new Map<string, Account>();
  const narrowed = narrowedColumns(ctx, info, selection, representations);
  if (narrowed) {
    // Only the columns asked for, and no loader primed: nothing else in the request reads accounts.
    const rows = await db
      .selectFrom('account')
      .select(narrowed.map((column) => sql.ref(column).as(column)))
      .where('organizationId', '=', organizationId)
      .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
      .modifyEnd(tag('entities:Account'))
      .execute();
    for (const row of rows) {
      const account = entityOf(Account, row);
      found.set(account.id, account);
    }
    return answer(representations, found);
  }
  const relations = accountRelations(selection);
  const columns = accountRelationColumns(relations, organizationId);
  const query = db
    .selectFrom('account')
    .selectAll()
    .where('organizationId', '=', organizationId)
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`);
  const rows = await (columns.length > 0 ? query.select(columns) : query).modifyEnd(tag('entities:Account')).execute();
  const loader = ctx.loaders.accounts.byId;
  for (const row of rows) {
    const account = primeAccount(ctx, relations, row);
    loader.prime(account.id, account);
    found.set(account.id, account);
  }
  for (const id of ids) if (!found.has(id)) loader.prime(id, null);
  if (!representations.every(isAccount)) return null;
  return answer(representations, found);
}

/** Each representation's account, in order (null for unknown or foreign ids), as `__resolveReference` gives it. */
function answer(representations: readonly unknown[], found: ReadonlyMap<string, Account>): unknown[] {
  return representations.map((representation) => {
    const account = found.get((representation as { id: string }).id.toLowerCase());
    if (!account) return null;
    // As @apollo/subgraph marks what a reference resolver returns: _Entity's type comes from it.
    if (!Object.hasOwn(account, '__typename')) Object.defineProperty(account, '__typename', { value: 'Account' });
    return account;
  });
}

/**
 * The account columns to read when `_entities` is the operation's one root field, every
 * representation is an Account and the selection on Account is its columns only (the gateway's
 * usual `{ id email status }`): a batch of 1,000 then reads three columns, not the whole rows.
 * Null otherwise (whole rows, relations and primed loaders, as the reference resolvers need).
 */
function narrowedColumns(
  ctx: Context,
  info: GraphQLResolveInfo,
  selection: Selection,
  representations: readonly unknown[],
): string[] | null {
  if (!isOnlyRootField(info) || !representations.every(isAccount)) return null;
  return selectedColumns(ctx.services.db, Account, selection);
}

const isAccount = (representation: unknown) => (representation as { __typename?: unknown }).__typename === 'Account';
