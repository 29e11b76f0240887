import { Field, Int, ObjectType } from 'type-graphql';
import type { DataSource } from 'typeorm';
import { Directory } from '../directories/directory.entity';
import { Domain } from '../domains/domain.entity';
import { DomainStatus } from '../domains/domain.enums';
import { DomainMigration, MigrationStatus } from '../domains/domain-migration.entity';
import { staleAccounts } from '../accounts';
import { domainFacts } from '../domains/domain.service';
import type { Account } from '../accounts/account.entity';
import { ScimRecord } from '../scim/scim-record.entity';
import { SyncStatus } from '../scim/scim-record.enums';
import { ConflictKind } from '../conflicts/conflict.enums';
import { present } from '../common/present';
import { R1, R2, R3, R4, R5, R6, R7, R8, RULES, type Rule } from './rules';

@ObjectType()
export class Finding {
  @Field({ description: 'Account, Domain, Directory, DomainMigration, ScimRecord or Conflict.' })
  subjectType: string;

  @Field()
  subjectId: string;

  @Field()
  message: string;
}

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
 * Builds the report from a handful of set-based queries; every rule finding comes from the
 * rule's own `evaluate`, the function mutations use as their guard.
 */
export async function buildGovernanceReport(db: DataSource, organizationId: string): Promise<GovernanceReport> {
  const [
    conflictCounts,
    domains,
    directories,
    failedCount,
    failedRecords,
    migrations,
    unmanagedCounts,
    drift,
    placeholders,
    unresolved,
    managedByDomain,
    managedOffDomains,
    heldOnDomainsElsewhere,
    heldOutsideOnOurDomains,
  ] = await Promise.all([
    db.query<KindCount[]>(
      `/* report:conflicts */ SELECT kind, count(*)::int AS count FROM conflict WHERE organization_id = $1 AND status = 'OPEN' GROUP BY kind ORDER BY kind`,
      [organizationId],
    ),
    db.getRepository(Domain).find({ where: { organizationId }, order: { name: 'ASC' } }),
    db.getRepository(Directory).find({ where: { organizationId }, order: { name: 'ASC' } }),
    db.getRepository(ScimRecord).countBy({ organizationId, syncStatus: SyncStatus.FAILED }),
    db.getRepository(ScimRecord).find({
      where: { organizationId, syncStatus: SyncStatus.FAILED },
      order: { nextRetryAt: 'ASC', id: 'ASC' },
      take: 100,
    }),
    db.getRepository(DomainMigration).find({ where: { organizationId }, order: { createdAt: 'DESC' }, take: 50 }),
    db.query<Array<{ id: string; count: number }>>(
      `/* report:unmanaged */ SELECT d.id, count(a.id)::int AS count FROM domain d JOIN account a ON a.organization_id = d.organization_id AND a.email_domain = d.name
         WHERE d.organization_id = $1 AND d.status = 'VERIFIED' AND NOT a.managed GROUP BY d.id`,
      [organizationId],
    ),
    // IdP-managed accounts whose email is not what their synced record says: a late manual change.
    db.query<Array<{ id: string; email: string; directories: string[] }>>(
      `/* report:drift */ SELECT a.id, a.email, array_agg(DISTINCT d.name) AS directories FROM scim_record r
         JOIN account a ON a.id = r.account_id JOIN directory d ON d.id = r.directory_id
         WHERE r.organization_id = $1 AND r.sync_status = 'SYNCED' AND r.email IS NOT NULL AND lower(a.email) <> lower(r.email)
         GROUP BY a.id, a.email ORDER BY a.email LIMIT 1000`,
      [organizationId],
    ),
    db.query<Array<{ id: string; email: string; previous_email: string }>>(
      `/* report:placeholders */ SELECT a.id, a.email, h.previous_email FROM account a
         JOIN LATERAL (SELECT previous_email FROM account_email_change c WHERE c.account_id = a.id ORDER BY c.changed_at DESC LIMIT 1) h ON true
         WHERE a.organization_id = $1 AND a.status = 'ACTIVE' AND lower(a.email) LIKE '%+duplicated%@%' ORDER BY lower(a.email) LIMIT 1000`,
      [organizationId],
    ),
    db.query<Array<{ id: string; kind: ConflictKind; sync_status: string; has_email: boolean | null }>>(
      `/* report:r7 */ SELECT c.id, c.kind, r.sync_status, lower(a.email) = lower(r.email) AS has_email FROM conflict c
         JOIN scim_record r ON r.id = c.scim_record_id LEFT JOIN account a ON a.id = r.account_id
         WHERE c.organization_id = $1 AND c.status = 'OPEN' AND c.kind = 'EMAIL_TAKEN'`,
      [organizationId],
    ),
    db.query<Array<{ name: string; count: number }>>(
      `/* report:managed */ SELECT email_domain AS name, count(*)::int AS count FROM account WHERE organization_id = $1 AND managed GROUP BY email_domain`,
      [organizationId],
    ),
    // Managed accounts on a domain the organization does not even assert (rule R3).
    db.query<Array<{ id: string; email: string }>>(
      `/* report:managedOffDomains */ SELECT a.id, a.email FROM account a
         WHERE a.organization_id = $1 AND a.managed
           AND NOT EXISTS (SELECT 1 FROM domain d WHERE d.organization_id = $1 AND d.name = a.email_domain)
         ORDER BY lower(a.email) LIMIT 1000`,
      [organizationId],
    ),
    // Rule R8, holder side: the same condition as the rescan's DOMAIN_OWNED_ELSEWHERE.
    db.query<Array<{ id: string; email: string }>>(
      `/* report:r8held */ SELECT a.id, a.email FROM account a
         WHERE a.organization_id = $1 AND a.status <> 'DEACTIVATED'
           AND a.email_domain IN (SELECT name FROM domain WHERE status = 'VERIFIED' AND organization_id <> $1)
         ORDER BY lower(a.email) LIMIT 1000`,
      [organizationId],
    ),
    // Rule R8, owner side: addresses on its verified domains that other organizations' accounts hold,
    // one (organization_id, email_domain) index probe per other organization and domain (OFFSET 0:
    // not flattened into a scan of every account on the names, most of them the owner's own).
    db.query<Array<{ domain_id: string; email: string }>>(
      `/* report:r8owned */ SELECT d.id AS domain_id, a.email FROM domain d
         JOIN organization o ON o.id <> $1
         JOIN LATERAL (SELECT a.email FROM account a
                        WHERE a.organization_id = o.id AND a.email_domain = d.name AND a.status <> 'DEACTIVATED' OFFSET 0) a ON true
         WHERE d.organization_id = $1 AND d.status = 'VERIFIED'
         ORDER BY lower(a.email) LIMIT 1000`,
      [organizationId],
    ),
  ]);

  const domainsById = new Map(domains.map((domain) => [domain.id, domain]));
  // Every migration and count names one of the organization's domains (foreign keys).
  const domainById = (id: string) => present(domainsById.get(id), `domain ${id}`);
  const domainsByName = new Map(domains.map((domain) => [domain.name, domain]));
  const inProgress = migrations.filter((migration) => migration.status === MigrationStatus.IN_PROGRESS);
  const staleByDomain = new Map<string, Account[]>();
  for (const account of await staleAccounts(
    db,
    organizationId,
    inProgress.map((migration) => domainById(migration.fromDomainId).name),
  )) {
    const group = staleByDomain.get(account.emailDomain);
    if (group) group.push(account);
    else staleByDomain.set(account.emailDomain, [account]);
  }

  const readiness = migrations.map((migration) => {
    const [from, to] = [domainById(migration.fromDomainId), domainById(migration.toDomainId)];
    const stale = migration.status === MigrationStatus.IN_PROGRESS ? (staleByDomain.get(from.name) ?? []) : [];
    return { migration, from, to, reason: R4.evaluate({ from: domainFacts(from), to: domainFacts(to) }), stale };
  });

  const findings = new Map<Rule<never>, Finding[]>();
  const add = (rule: Rule<never>, subjectType: string, subjectId: string, message: string | null) => {
    if (message === null) return;
    const found = findings.get(rule);
    if (found) found.push({ subjectType, subjectId, message });
    else findings.set(rule, [{ subjectType, subjectId, message }]);
  };
  for (const account of drift)
    add(R1, 'Account', account.id, R1.evaluate({ email: account.email, linkedDirectories: account.directories }));
  const mismatchedDirectories: Directory[] = [];
  for (const directory of directories) {
    const mismatch = R2.evaluate(directory);
    add(R2, 'Directory', directory.id, mismatch);
    if (mismatch !== null) mismatchedDirectories.push(directory);
  }
  for (const { name, count } of managedByDomain) {
    const domain = domainsByName.get(name);
    // Managed accounts whose claim is no longer backed by a verified domain.
    if (domain && domain.status !== DomainStatus.VERIFIED) {
      const message = R3.evaluate({ email: `*@${name}`, domain: domainFacts(domain), subject: 'claim' });
      add(R3, 'Domain', domain.id, message && `${count} managed account(s): ${message}`);
    }
  }
  for (const account of managedOffDomains) {
    add(R3, 'Account', account.id, R3.evaluate({ email: account.email, domain: null, subject: 'managedEmail' }));
  }
  for (const { migration, from, to, reason, stale } of readiness) {
    add(R4, 'DomainMigration', migration.id, migration.status === MigrationStatus.COMPLETED ? null : reason);
    for (const account of stale) {
      add(
        R5,
        'Account',
        account.id,
        R5.evaluate({
          email: account.email,
          status: account.status,
          backedByRecord: false,
          migration: { from: from.name, to: to.name },
        }),
      );
    }
  }
  for (const account of placeholders) {
    add(
      R6,
      'Account',
      account.id,
      `${account.email} is a placeholder from a rename; ${account.previous_email} is kept in its history. Review whether it should stay active.`,
    );
  }
  for (const row of unresolved) {
    add(
      R7,
      'Conflict',
      row.id,
      R7.evaluate({
        kind: row.kind,
        open: true,
        recordSynced: row.sync_status === 'SYNCED',
        accountHasDesiredEmail: row.has_email === true,
      }),
    );
  }

  for (const account of heldOnDomainsElsewhere) {
    add(
      R8,
      'Account',
      account.id,
      R8.evaluate({ email: account.email, heldBy: 'us', domainVerifiedBy: 'others', taking: false }),
    );
  }
  for (const held of heldOutsideOnOurDomains) {
    add(
      R8,
      'Domain',
      held.domain_id,
      R8.evaluate({ email: held.email, heldBy: 'others', domainVerifiedBy: 'us', taking: false }),
    );
  }

  const statusCounts = new Map<DomainStatus, number>();
  for (const domain of domains) statusCounts.set(domain.status, (statusCounts.get(domain.status) ?? 0) + 1);

  return {
    openConflictsByKind: conflictCounts,
    domainsByStatus: [...statusCounts].map(([status, count]) => ({ status, count })),
    unmanagedAccountsByDomain: unmanagedCounts.map(({ id, count }) => ({ domain: domainById(id), count })),
    mismatchedDirectories,
    failedRecordCount: failedCount,
    failedRecords,
    migrations: readiness.map(({ migration, reason, stale }) => ({
      migration,
      ready: reason === null,
      reason,
      staleAccounts: stale.length,
    })),
    rules: RULES.map((rule) => {
      const found = findings.get(rule) ?? [];
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
