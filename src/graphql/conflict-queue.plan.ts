import type { GraphQLResolveInfo } from 'graphql';
import { sql, type RawBuilder } from 'kysely';
import type { Context } from '../context';
import { paginate, type Page, queryBuilderFor } from '../db';
import { Account } from '../accounts';
import {
  Conflict,
  type ConflictFilter,
  type RemediationFacts,
  CONFLICT_KEYSET,
  CONFLICT_RELATION_COLUMNS,
  REMEDIATION_FACT_KINDS,
  conflictList,
  placeholdersInUseOf,
} from '../conflicts';
import { Directory } from '../directories';
import { Domain } from '../domains';
import { ScimRecord } from '../scim';
import { connectionNodes, isOnlyRootField, selectionOf, type Selection } from './selection';
import { plannedField, setPlanned } from './planned';
import { columnsNamed, fromJson, selectedColumnsJson } from './json-rows';
import { entityOf, recordJson } from './relations';

/** A related row by its id in a column of `conflict`, of the same organization, as JSON (null when none). */
const byId = (table: string, column: string, organizationId: string, json: RawBuilder<unknown> = sql`to_jsonb(t)`) =>
  sql`(SELECT ${json} FROM ${sql.raw(table)} t WHERE t.id = conflict.${sql.raw(column)} AND t.organization_id = ${organizationId})`;

/** The conflict fields the plan reads ahead; the field resolvers answer them without a loader. */
export const PLANNED_CONFLICT = {
  account: plannedField<Account | null>('account'),
  conflictingAccount: plannedField<Account | null>('conflictingAccount'),
  scimRecord: plannedField<ScimRecord | null>('scimRecord'),
  directory: plannedField<Directory | null>('directory'),
  domain: plannedField<Domain | null>('domain'),
  remediation: plannedField<Omit<RemediationFacts, 'conflict'>>('remediation'),
};

/**
 * `value` for the conflicts of the kinds whose remediation reads this fact, else NULL: Postgres
 * runs the subquery of a CASE branch only for the rows that take it.
 */
const forKindsReading = (fact: keyof typeof REMEDIATION_FACT_KINDS, value: RawBuilder<unknown>) =>
  sql`CASE WHEN conflict.kind IN (${sql.join(REMEDIATION_FACT_KINDS[fact].map((kind) => sql.lit(kind)))}) THEN ${value} END`;

/** What remediation reads of the conflict row itself (kind, email, keys, the actions taken). */
const REMEDIATION_COLUMNS = ['kind', 'status', 'email', ...CONFLICT_RELATION_COLUMNS, 'actions_taken'];

/** Whether the account in a column of `conflict` is linked to a SCIM record (rule R1), by an index probe. */
const idpManaged = (column: string, organizationId: string) =>
  sql<boolean>`coalesce((SELECT true FROM scim_record r WHERE r.account_id = conflict.${sql.raw(column)} AND r.organization_id = ${organizationId} LIMIT 1), false)`;

type Narrowed = Record<
  'account' | 'conflictingAccount' | 'scimRecord' | 'directory' | 'domain',
  RawBuilder<unknown> | null
> & {
  /** The conflict's own columns to read (null: all of them). */
  conflict: string[] | null;
};

const WHOLE_ROWS: Narrowed = {
  account: null,
  conflictingAccount: null,
  scimRecord: null,
  directory: null,
  domain: null,
  conflict: null,
};

/** What the plan itself reads of a conflict row: the relations' keys, and the keyset's for the cursor. */
const CONFLICT_PLAN_COLUMNS = [...CONFLICT_RELATION_COLUMNS, 'detected_at'];

/**
 * The related rows as JSON of only the columns their selections ask for (a queue page reads a
 * few columns of four rows per conflict; the whole rows cost a third of the statement's CPU and
 * more of their parsing), or WHOLE_ROWS (null: `to_jsonb(t)`, which then primes the loaders).
 * A narrowed row answers this selection only and primes no loader, so rows are narrowed only
 * when nothing else in the request could ask a loader for them: `conflicts` is the operation's
 * one root field, and the nodes select columns of the conflict, and of each relation, only (no
 * deeper relation, whose resolvers would read the loaders). Remediation reads the record's
 * account and the directory's mappings itself.
 */
function narrowRows(ctx: Context, info: GraphQLResolveInfo, nodes: Selection, remediation: boolean): Narrowed {
  const dataSource = ctx.services.db;
  if (!isOnlyRootField(info)) return WHOLE_ROWS;
  const relations = new Set<string>(Object.keys(PLANNED_CONFLICT));
  const own = columnsNamed(
    dataSource,
    Conflict,
    nodes.names.filter((name) => !relations.has(name)),
  );
  if (!own) return WHOLE_ROWS;
  const narrowed: Narrowed = {
    conflict: [...new Set([...own, ...CONFLICT_PLAN_COLUMNS, ...(remediation ? REMEDIATION_COLUMNS : [])])],
    account: selectedColumnsJson(dataSource, Account, nodes.field('account'), 't'),
    conflictingAccount: selectedColumnsJson(dataSource, Account, nodes.field('conflictingAccount'), 't'),
    scimRecord: selectedColumnsJson(
      dataSource,
      ScimRecord,
      nodes.field('scimRecord'),
      't',
      remediation ? ['account_id'] : [],
    ),
    directory: selectedColumnsJson(
      dataSource,
      Directory,
      nodes.field('directory'),
      't',
      remediation ? ['sso_email_attribute', 'scim_email_attribute'] : [],
    ),
    domain: selectedColumnsJson(dataSource, Domain, nodes.field('domain'), 't'),
  };
  const relationRows = [
    narrowed.account,
    narrowed.conflictingAccount,
    narrowed.scimRecord,
    narrowed.directory,
    narrowed.domain,
  ];
  return relationRows.every((json) => json !== null) ? narrowed : WHOLE_ROWS;
}

/**
 * `conflicts(...)` planned from its selection: the page, and for each conflict the account, the
 * holder, the SCIM record, the directory and the domain that are asked for, in ONE statement
 * (scalar subqueries, each keeping the tenant condition). The related rows then prime the
 * request's DataLoaders, so the field resolvers find them without a round trip; with
 * `remediation`, its facts come from the same statement. Deeper relations stay with the loaders
 * (one batched statement per level).
 */
export async function planConflicts(
  ctx: Context,
  info: GraphQLResolveInfo,
  filter: ConflictFilter,
  args: { first?: number | null; after?: string | null },
): Promise<Page<Conflict>> {
  const organizationId = ctx.organizationId;
  const dataSource = ctx.services.db;
  const nodes = connectionNodes(selectionOf(info));
  const wants = {
    account: nodes.has('account'),
    conflictingAccount: nodes.has('conflictingAccount'),
    scimRecord: nodes.has('scimRecord') || nodes.has('remediation'),
    directory: nodes.has('directory') || nodes.has('remediation'),
    domain: nodes.has('domain'),
    remediation: nodes.has('remediation'),
  };

  const narrow = narrowRows(ctx, info, nodes, wants.remediation);
  const list = conflictList(queryBuilderFor(dataSource), organizationId, filter);
  const whole = list.selectAll();
  // Typed as the whole row: the columns left out are those nothing in this request reads.
  const query = narrow.conflict
    ? (list.select(narrow.conflict.map((column) => sql.ref(column).as(column))) as unknown as typeof whole)
    : whole;
  const selected = query
    .$if(wants.account, (q) =>
      q.select(byId('account', 'account_id', organizationId, narrow.account ?? undefined).as('planaccount')),
    )
    .$if(wants.conflictingAccount, (q) =>
      q.select(
        byId('account', 'conflicting_account_id', organizationId, narrow.conflictingAccount ?? undefined).as(
          'planholder',
        ),
      ),
    )
    .$if(wants.scimRecord, (q) =>
      q.select(byId('scim_record', 'scim_record_id', organizationId, narrow.scimRecord ?? recordJson).as('planrecord')),
    )
    .$if(wants.directory, (q) =>
      q.select(byId('directory', 'directory_id', organizationId, narrow.directory ?? undefined).as('plandirectory')),
    )
    .$if(wants.domain, (q) =>
      q.select(byId('domain', 'domain_id', organizationId, narrow.domain ?? undefined).as('plandomain')),
    )
    .$if(wants.remediation, (q) =>
      q.select([
        // Scalar subqueries with LIMIT 1, not EXISTS: Postgres may hash an EXISTS over the whole
        // organization's records (a scan of all of them) where an index probe per row is cheap.
        // Each only for the kinds whose steps read it (remediationFor ignores it for the others).
        forKindsReading('conflictingAccountIdpManaged', idpManaged('conflicting_account_id', organizationId)).as(
          'planholderidp',
        ),
        forKindsReading('accountIdpManaged', idpManaged('account_id', organizationId)).as('planaccountidp'),
        // The conflict's domain, or without one the domain of its email (as the remediation loader reads it).
        forKindsReading(
          'domain',
          sql`(SELECT jsonb_build_object('id', d.id, 'name', d.name, 'status', d.status) FROM domain d
              WHERE d.organization_id = ${organizationId}
                AND (d.id = conflict.domain_id OR (conflict.domain_id IS NULL AND d.name = split_part(lower(conflict.email), '@', 2)))
              LIMIT 1)`,
        ).as('planremediationdomain'),
        forKindsReading('placeholdersInUse', placeholdersInUseOf(sql`conflict.email`)).as('planplaceholders'),
      ]),
    );

  const page = await paginate(selected, CONFLICT_KEYSET, args, 'conflicts');
  const { loaders } = ctx;
  const conflicts = page.nodes.map((row) => {
    const planned = row as Record<string, unknown>;
    const conflict = entityOf(Conflict, row);
    const account = wants.account ? fromJson(dataSource, Account, planned.planaccount) : null;
    const holder = wants.conflictingAccount ? fromJson(dataSource, Account, planned.planholder) : null;
    const record = wants.scimRecord ? fromJson(dataSource, ScimRecord, planned.planrecord) : null;
    const directory = wants.directory ? fromJson(dataSource, Directory, planned.plandirectory) : null;
    const domain = wants.domain ? fromJson(dataSource, Domain, planned.plandomain) : null;
    if (wants.account) setPlanned(conflict, PLANNED_CONFLICT.account, account);
    if (wants.conflictingAccount) setPlanned(conflict, PLANNED_CONFLICT.conflictingAccount, holder);
    if (wants.scimRecord) setPlanned(conflict, PLANNED_CONFLICT.scimRecord, record);
    if (wants.directory) setPlanned(conflict, PLANNED_CONFLICT.directory, directory);
    if (wants.domain) setPlanned(conflict, PLANNED_CONFLICT.domain, domain);
    // A narrowed row answers this selection only: another path asking for the same row reads it whole.
    if (wants.account && !narrow.account && conflict.accountId)
      loaders.accounts.byId.prime(conflict.accountId, account);
    if (wants.conflictingAccount && !narrow.conflictingAccount && conflict.conflictingAccountId)
      loaders.accounts.byId.prime(conflict.conflictingAccountId, holder);
    if (wants.scimRecord && !narrow.scimRecord && conflict.scimRecordId)
      loaders.scim.recordById.prime(conflict.scimRecordId, record);
    if (wants.directory && !narrow.directory && conflict.directoryId)
      loaders.directories.byId.prime(conflict.directoryId, directory);
    if (wants.domain && !narrow.domain && conflict.domainId) loaders.domains.byId.prime(conflict.domainId, domain);
    if (wants.remediation) {
      const facts = {
        id: conflict.id,
        conflictingAccountIdpManaged: planned.planholderidp === true,
        accountIdpManaged: planned.planaccountidp === true,
        recordLinked: Boolean(record?.accountId),
        domain: (planned.planremediationdomain as { id: string; name: string; status: string } | null) ?? null,
        directory: directory
          ? { ssoEmailAttribute: directory.ssoEmailAttribute, scimEmailAttribute: directory.scimEmailAttribute }
          : null,
        placeholdersInUse: (planned.planplaceholders as string[] | null) ?? [],
      };
      setPlanned(conflict, PLANNED_CONFLICT.remediation, facts);
      loaders.conflicts.remediationFacts.prime(conflict.id, facts);
    }
    return conflict;
  });
  return { ...page, nodes: conflicts };
}
