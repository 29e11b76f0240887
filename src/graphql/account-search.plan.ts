import type { GraphQLResolveInfo } from 'graphql';
import { sql } from 'kysely';
import type { Context } from '../context';
import { paginate, type Page, queryBuilderFor } from '../db';
import { ACCOUNT_KEYSET, Account, accountList, type AccountFilter } from '../accounts';
import { Conflict, type ConflictStatus } from '../conflicts';
import { Domain, asciiDomain } from '../domains';
import { ScimRecord } from '../scim';
import { fromJson, manyFromJson } from './json-rows';
import { entityOf, recordJson } from './relations';
import { connectionNodes, selectionOf, type Selection } from './selection';
import { plannedField, setPlanned } from './planned';

/** The distinct `status` arguments of `conflicts(status:)` on an account (null: every status). */
function conflictStatuses(nodes: Selection): Array<ConflictStatus | null> {
  const statuses = nodes.all('conflicts').map((request) => (request.args.status ?? null) as ConflictStatus | null);
  return [...new Set(statuses)];
}

/**
 * Related rows of the accounts being read, for the account relations the selection asks for:
 * the domain, the SCIM records (and so idpManaged) and the conflicts of each status asked for,
 * as JSON columns of the same statement (each subquery keeping the tenant condition). Used by
 * the account list and by `_entities`.
 */
export function accountRelations(nodes: Selection) {
  return {
    domain: nodes.has('domain'),
    scimRecords: nodes.has('scimRecords') || nodes.has('idpManaged'),
    conflictStatuses: conflictStatuses(nodes),
  };
}

export type AccountRelations = ReturnType<typeof accountRelations>;

/** The subqueries reading an account's relations, over the row aliased `account`. */
export function accountRelationColumns(relations: AccountRelations, organizationId: string) {
  const columns = [];
  if (relations.domain) {
    columns.push(
      sql`(SELECT to_jsonb(t) FROM domain t WHERE t.organization_id = ${organizationId} AND t.name = account.email_domain)`.as(
        'plandomain',
      ),
    );
  }
  if (relations.scimRecords) {
    columns.push(
      sql`(SELECT coalesce(jsonb_agg(${recordJson} ORDER BY t.created_at), '[]') FROM scim_record t
            WHERE t.organization_id = ${organizationId} AND t.account_id = account.id)`.as('planrecords'),
    );
  }
  relations.conflictStatuses.forEach((status, i) => {
    columns.push(
      sql`(SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.detected_at DESC, t.id DESC), '[]') FROM conflict t
            WHERE t.organization_id = ${organizationId} AND (t.account_id = account.id OR t.conflicting_account_id = account.id)
            ${status === null ? sql`` : sql`AND t.status = ${status}`})`.as(`planconflicts${i}`),
    );
  });
  return columns;
}

/** The account fields the plan reads ahead; the field resolvers answer them without a loader. */
export const PLANNED_ACCOUNT = {
  domain: plannedField<Domain | null>('domain'),
  scimRecords: plannedField<ScimRecord[]>('scimRecords'),
  /** `conflicts(status:)`, by status (null: every status). */
  conflicts: (status: ConflictStatus | null) => plannedField<Conflict[]>(`conflicts:${status ?? 'ANY'}`),
};

/** Turns a planned row into its Account, priming the request's loaders with its related rows. */
export function primeAccount(ctx: Context, relations: AccountRelations, row: object): Account {
  const dataSource = ctx.services.db;
  const { loaders } = ctx;
  const planned = row as Record<string, unknown>;
  const account = entityOf(Account, row);
  relations.conflictStatuses.forEach((status, i) => {
    const conflicts = manyFromJson(dataSource, Conflict, planned[`planconflicts${i}`]);
    setPlanned(account, PLANNED_ACCOUNT.conflicts(status), conflicts);
    loaders.conflicts.byRelated.account(status ?? undefined).prime(account.id, conflicts);
  });
  if (relations.domain) {
    const domain = fromJson(dataSource, Domain, planned.plandomain);
    setPlanned(account, PLANNED_ACCOUNT.domain, domain);
    loaders.domains.byName.prime(account.emailDomain, domain ? [domain] : []);
  }
  if (relations.scimRecords) {
    const records = manyFromJson(dataSource, ScimRecord, planned.planrecords);
    setPlanned(account, PLANNED_ACCOUNT.scimRecords, records);
    loaders.scim.recordsByAccount.prime(account.id, records);
  }
  return account;
}

/**
 * `accounts(...)` planned from its selection: the page and the relations its nodes ask for
 * (domain, open conflicts, SCIM records) in ONE statement; the related rows prime the request's
 * DataLoaders, so the field resolvers find them without a round trip.
 */
export async function planAccounts(
  ctx: Context,
  info: GraphQLResolveInfo,
  filter: AccountFilter,
  args: { first?: number | null; after?: string | null },
): Promise<Page<Account>> {
  const organizationId = ctx.organizationId;
  const relations = accountRelations(connectionNodes(selectionOf(info)));
  const domain = filter.domain != null ? asciiDomain(filter.domain) : null;
  const query = accountList(queryBuilderFor(ctx.services.db), organizationId, { ...filter, domain });
  const columns = accountRelationColumns(relations, organizationId);
  const page = await paginate(columns.length > 0 ? query.select(columns) : query, ACCOUNT_KEYSET, args, 'accounts');
  return {
    ...page,
    nodes: page.nodes.map((row) => primeAccount(ctx, relations, row)),
  };
}
