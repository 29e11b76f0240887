import { Field, Int, ObjectType } from 'type-graphql';
import type { DataSource } from 'typeorm';
import { sql } from 'kysely';
import { Directory } from '../directories';
import { Domain, DomainStatus, DomainMigration, MigrationStatus } from '../domains';
import { ScimRecord } from '../scim';
import { ConflictKind } from './kinds';
import { present } from '../common';
import { as, queryBuilderFor, tag } from '../db';
import { Finding, R2, R4, RULES } from './index';
import { detected } from './rule';
import { migrationStaleAccount } from './r5-stale-accounts';

@ObjectType({ description: 'A best-practice rule and what it finds in the organization now.' })
export class RuleReport {
  @Field()
  id: string;

  @Field()
  title: string;

  @Field()
  description: string;

  @Field({
    description:
      'True when mutations refuse what this rule forbids (its findings are what they would refuse or must fix).',
  })
  enforced: boolean;

  @Field(() => Int)
  findingCount: number;

  @Field(() => [Finding], { description: 'The first 50 findings.' })
  findings: Finding[];
}

@ObjectType()
export class KindCount {
  @Field(() => ConflictKind)
  kind: ConflictKind;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class DomainStatusCount {
  @Field(() => DomainStatus)
  status: DomainStatus;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class UnmanagedAccounts {
  @Field(() => Domain)
  domain: Domain;

  @Field(() => Int, { description: 'Unmanaged accounts on this verified domain: claimable now (rule R3).' })
  count: number;
}

@ObjectType()
export class MigrationReadiness {
  @Field(() => DomainMigration)
  migration: DomainMigration;

  @Field({ description: 'Both domains verified and claimed (rule R4).' })
  ready: boolean;

  @Field(() => String, { nullable: true, description: 'Why not, when not ready.' })
  reason: string | null;

  @Field(() => Int, { description: 'Active accounts on the old domain that no SCIM record backs (rule R5).' })
  staleAccounts: number;
}

@ObjectType({
  description: 'Where the organization stands against the best-practice rules, and what is waiting on whom.',
})
export class GovernanceReport {
  @Field(() => [KindCount])
  openConflictsByKind: KindCount[];

  @Field(() => [DomainStatusCount])
  domainsByStatus: DomainStatusCount[];

  @Field(() => [UnmanagedAccounts])
  unmanagedAccountsByDomain: UnmanagedAccounts[];

  @Field(() => [Directory], { description: 'Directories whose SSO and SCIM email mappings disagree (rule R2).' })
  mismatchedDirectories: Directory[];

  @Field(() => Int)
  failedRecordCount: number;

  @Field(() => [ScimRecord], { description: 'FAILED records by next automatic retry (the first 100).' })
  failedRecords: ScimRecord[];

  @Field(() => [MigrationReadiness])
  migrations: MigrationReadiness[];

  @Field(() => [RuleReport], { description: 'Rules R1-R8, each with its findings.' })
  rules: RuleReport[];
}

const FINDINGS_SHOWN = 50;

/**
 * Builds the report from a handful of set-based queries. Every rule's findings come from the rule
 * itself (rules/r*.ts: its detectors, or its own query read through its `evaluate`), so the
 * report, the rescan and the mutations' guards cannot disagree.
 */
export async function buildGovernanceReport(db: DataSource, organizationId: string): Promise<GovernanceReport> {
  const kysely = queryBuilderFor(db);
  const rows = async <T extends object>(type: new () => T, query: ReturnType<typeof sql<Record<string, unknown>>>) =>
    as(type, (await query.execute(kysely)).rows);
  const [
    conflictCounts,
    domains,
    directories,
    failedCount,
    failedRecords,
    migrations,
    unmanagedCounts,
    stale,
    ruleFindings,
  ] = await Promise.all([
    sql<KindCount>`${tag('report:conflicts')}
        SELECT kind, count(*)::int AS count FROM conflict
         WHERE organization_id = ${organizationId} AND status = 'OPEN' GROUP BY kind ORDER BY kind`.execute(kysely),
    rows(
      Domain,
      sql`${tag('report:domains')} SELECT * FROM domain WHERE organization_id = ${organizationId} ORDER BY name`,
    ),
    rows(
      Directory,
      sql`${tag('report:directories')} SELECT * FROM directory WHERE organization_id = ${organizationId} ORDER BY name`,
    ),
    sql<{ count: number }>`${tag('report:failedCount')}
        SELECT count(*)::int AS count FROM scim_record WHERE organization_id = ${organizationId} AND sync_status = 'FAILED'`.execute(
      kysely,
    ),
    rows(
      ScimRecord,
      sql`${tag('report:failedRecords')} SELECT * FROM scim_record
           WHERE organization_id = ${organizationId} AND sync_status = 'FAILED' ORDER BY next_retry_at, id LIMIT 100`,
    ),
    rows(
      DomainMigration,
      sql`${tag('report:migrations')} SELECT * FROM domain_migration
           WHERE organization_id = ${organizationId} ORDER BY created_at DESC LIMIT 50`,
    ),
    sql<{ id: string; count: number }>`${tag('report:unmanaged')}
        SELECT d.id, count(a.id)::int AS count FROM domain d
          JOIN account a ON a.organization_id = d.organization_id AND a.email_domain = d.name
         WHERE d.organization_id = ${organizationId} AND d.status = 'VERIFIED' AND NOT a.managed GROUP BY d.id`.execute(
      kysely,
    ),
    // Rule R5's migration detector: the stale accounts of migrations in progress, by old domain
    // (its external accounts outside migrations are R5's findings, not a migration's).
    detected(kysely, organizationId, [migrationStaleAccount], 'report:stale'),
    Promise.all(RULES.map((rule) => rule.findings(kysely, organizationId))),
  ]);

  const domainsById = new Map(domains.map((domain) => [domain.id, domain]));
  // Every migration and count names one of the organization's domains (foreign keys).
  const domainById = (id: string) => present(domainsById.get(id), `domain ${id}`);
  const facts = (domain: Domain) => ({ name: domain.name, status: domain.status, claimed: domain.claimedAt !== null });
  const staleByDomain = new Map<string, number>();
  for (const { domainId } of stale) {
    if (domainId !== null) staleByDomain.set(domainId, (staleByDomain.get(domainId) ?? 0) + 1);
  }

  const statusCounts = new Map<DomainStatus, number>();
  for (const domain of domains) statusCounts.set(domain.status, (statusCounts.get(domain.status) ?? 0) + 1);

  return {
    openConflictsByKind: conflictCounts.rows,
    domainsByStatus: [...statusCounts].map(([status, count]) => ({ status, count })),
    unmanagedAccountsByDomain: unmanagedCounts.rows.map(({ id, count }) => ({ domain: domainById(id), count })),
    mismatchedDirectories: directories.filter((directory) => R2.evaluate(directory) !== null),
    failedRecordCount: failedCount.rows[0].count,
    failedRecords,
    migrations: migrations.map((migration) => {
      const [from, to] = [domainById(migration.fromDomainId), domainById(migration.toDomainId)];
      const reason = R4.evaluate({ from: facts(from), to: facts(to) });
      const staleAccounts = migration.status === MigrationStatus.IN_PROGRESS ? (staleByDomain.get(from.id) ?? 0) : 0;
      return { migration, ready: reason === null, reason, staleAccounts };
    }),
    rules: RULES.map((rule, i) => {
      const found: Finding[] = ruleFindings[i];
      return {
        id: rule.id,
        title: rule.title,
        description: rule.description,
        enforced: rule.code !== null,
        findingCount: found.length,
        findings: found.slice(0, FINDINGS_SHOWN),
      };
    }),
  };
}
