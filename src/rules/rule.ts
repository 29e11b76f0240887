import { Field, ObjectType } from 'type-graphql';
import { sql, type RawBuilder } from 'kysely';
import { tag, type Db } from '../db';
import { userError, type UserError, type UserErrorCode } from '../common';
import type { ConflictKind } from './kinds';

type RuleId = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8';

/** What a rule finds in an organization now, as the governance report lists it. */
@ObjectType()
export class Finding {
  @Field({ description: 'Account, Domain, Directory, DomainMigration, ScimRecord or Conflict.' })
  subjectType: string;

  @Field()
  subjectId: string;

  @Field()
  message: string;
}

/**
 * A conflict an organization's state implies, as a rule's set-based detector selects it: the
 * columns of the conflict row the rescan opens (snake_case: they feed an INSERT ... SELECT).
 */
export interface DetectedConflict {
  kind: ConflictKind;
  causeKey: string;
  summary: string;
  email: string | null;
  accountId: string | null;
  conflictingAccountId: string | null;
  scimRecordId: string | null;
  directoryId: string | null;
  domainId: string | null;
}

/**
 * A rule's set-based detector of one conflict kind: a SELECT (one branch of the rescan's UNION
 * ALL) of every conflict of that kind the organization's state implies, in the columns
 * kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id,
 * directory_id, domain_id (in that order). It may read the relations `verified` (the
 * organization's VERIFIED domains: id, name), `elsewhere` (names of domains other
 * organizations verified) and `wanted` (records in scope whose account lacks the email they want,
 * with `account_email`), which `detectionSet` defines. It must select exactly what the
 * rule's per-change paths open, with the same summary (the same template), and nothing they
 * would resolve: the rescan property test holds both to that.
 */
export interface ConflictDetector {
  kind: ConflictKind;
  select(organizationId: string, only: Subjects): RawBuilder<DetectedConflict>;
}

/**
 * Which causes a detection looks at: every one (the full rescan), or those of the subjects of a
 * change (a per-change reconcile). Each detector keeps only the rows whose cause is in scope:
 * `account(col)` for causes `account:<id>`, `record(col)` for `record:<id>`, `directory(col)` for
 * `directory:<id>`, `email(col)` / `externalId(col)` for the duplicate keys.
 */
export interface Subjects {
  /** True for the full rescan (every cause in scope): a detector may then choose a plan for all rows. */
  readonly all: boolean;
  account(column: RawBuilder<unknown>): RawBuilder<boolean>;
  record(column: RawBuilder<unknown>): RawBuilder<boolean>;
  directory(column: RawBuilder<unknown>): RawBuilder<boolean>;
  email(column: RawBuilder<unknown>): RawBuilder<boolean>;
  externalId(column: RawBuilder<unknown>): RawBuilder<boolean>;
}

const always = () => sql<boolean>`true`;

/** Every cause: the full rescan. */
const EVERY_SUBJECT: Subjects = {
  all: true,
  account: always,
  record: always,
  directory: always,
  email: always,
  externalId: always,
};

/** What a change touched. */
export interface ChangedSubjects {
  accountIds?: string[];
  recordIds?: string[];
  directoryIds?: string[];
  /** Addresses (any case) an account took or gave up: records wanting them, accounts holding them. */
  emails?: string[];
}

/** The subjects of a change as a reconcile's parameters: every list present, addresses in lower case. */
export interface SubjectIds {
  accountIds: string[];
  recordIds: string[];
  directoryIds: string[];
  /** Lower case. */
  emails: string[];
}

export const subjectIdsOf = (changed: ChangedSubjects): SubjectIds => ({
  accountIds: changed.accountIds ?? [],
  recordIds: changed.recordIds ?? [],
  directoryIds: changed.directoryIds ?? [],
  emails: (changed.emails ?? []).map((email) => email.toLowerCase()),
});

/**
 * The CTEs naming the subjects of a change (`subject_record`, `subject_account`,
 * `subject_directory`), one step around what it touched: records of touched accounts, wanting
 * their (or the given) addresses, or blocked by them; accounts of those records or named by their
 * conflicts. Only interpolates its arguments: a reconcile compiles it once (Precompiled).
 */
export function subjectCtes(organizationId: string, subjects: SubjectIds): RawBuilder<unknown> {
  const { accountIds: accounts, recordIds: records, emails } = subjects;
  // Each branch a probe of one index (UNION, not OR: an OR of subqueries would scan the organization).
  return sql`subject_record AS (
       SELECT id, email, external_id FROM scim_record
        WHERE organization_id = ${organizationId} AND id = ANY(${records}::uuid[])
       UNION SELECT id, email, external_id FROM scim_record
        WHERE organization_id = ${organizationId} AND account_id = ANY(${accounts}::uuid[])
       UNION SELECT id, email, external_id FROM scim_record
        WHERE organization_id = ${organizationId}
          AND lower(email) = ANY(ARRAY(SELECT lower(a.email) FROM account a WHERE a.id = ANY(${accounts}::uuid[])
                                       UNION ALL SELECT unnest(${emails}::text[])))
       -- records a touched account was in the way of (it may have moved off their address), by
       -- conflicts open or dismissed (a dismissal ends when its cause goes: the record must be looked at)
       UNION SELECT id, email, external_id FROM scim_record
        WHERE organization_id = ${organizationId}
          AND id = ANY(ARRAY(SELECT c.scim_record_id FROM conflict c
                              WHERE c.conflicting_account_id = ANY(${accounts}::uuid[])
                                AND c.organization_id = ${organizationId} AND c.status <> 'RESOLVED'))),
     subject_account AS (
       SELECT id FROM account
        WHERE organization_id = ${organizationId}
          AND id = ANY(ARRAY(SELECT unnest(${accounts}::uuid[])
                             UNION ALL SELECT r.account_id FROM scim_record r
                                        WHERE r.id = ANY(ARRAY(SELECT id FROM subject_record))
                             -- accounts the records stopped waiting on: their UNMANAGED_ACCOUNT conflicts
                             -- naming the records, open or dismissed (they may name no record now) or
                             -- closed by this change (closed_at is the transaction's now(), stored to the millisecond)
                             UNION ALL SELECT c.account_id FROM conflict c
                                        WHERE c.scim_record_id = ANY(ARRAY(SELECT id FROM subject_record))
                                          AND c.kind = 'UNMANAGED_ACCOUNT'
                                          AND (c.status <> 'RESOLVED' OR c.closed_at >= now() - interval '1 millisecond')))
       UNION SELECT id FROM account
        WHERE organization_id = ${organizationId} AND lower(email) = ANY(${emails}::text[])),
     subject_directory AS (SELECT unnest(${subjects.directoryIds}::uuid[]) AS id)`;
}

/** The scope of a reconcile: the subjects `subjectCtes` names. */
export const CHANGED_SUBJECTS: Subjects = {
  all: false,
  // = ANY(ARRAY(...)): the subjects as one array, so each detector probes its index for them.
  account: (column) => sql<boolean>`${column} = ANY(ARRAY(SELECT id FROM subject_account))`,
  record: (column) => sql<boolean>`${column} = ANY(ARRAY(SELECT id FROM subject_record))`,
  directory: (column) => sql<boolean>`${column} = ANY(ARRAY(SELECT id FROM subject_directory))`,
  email: (column) => sql<boolean>`${column} = ANY(ARRAY(SELECT lower(email) FROM subject_record))`,
  externalId: (column) => sql<boolean>`${column} = ANY(ARRAY(SELECT external_id FROM subject_record))`,
};

/** The cause keys of the subjects `subjectCtes` names: all a reconcile may open or resolve. */
export const SUBJECT_CAUSE_KEYS = sql`SELECT 'account:' || id FROM subject_account
   UNION ALL SELECT 'record:' || id FROM subject_record
   UNION ALL SELECT 'directory:' || id FROM subject_directory
   UNION ALL SELECT 'email:' || lower(email) FROM subject_record WHERE email IS NOT NULL
   UNION ALL SELECT 'externalId:' || external_id FROM subject_record WHERE external_id IS NOT NULL`;

/**
 * A best-practice rule of the design, in one file: its data, one pure function over facts (the
 * per-change check mutations and SCIM pushes use as their guard), and its set-based detectors
 * (the conflicts the rescan opens, and the findings the governance report lists), side by side,
 * so no path can hold a rule the others do not. `evaluate` returns why the facts break the rule,
 * or null.
 */
export interface Rule<Facts> {
  id: RuleId;
  title: string;
  description: string;
  /** The userErrors code when a mutation is refused by this rule (null: the rule only reports findings). */
  code: UserErrorCode | ((facts: Facts) => UserErrorCode) | null;
  evaluate(facts: Facts): string | null;
  /** The conflicts the organization's state implies under this rule (the rescan's UNION branches). */
  detectors: readonly ConflictDetector[];
  /** What the rule finds in the organization now, for the governance report (every finding's message from `evaluate` or a detector's summary). */
  findings(db: Db, organizationId: string): Promise<Finding[]>;
}

/** Facts of an organization's own domain, as rules R3 and R4 read them. */
export interface DomainFacts {
  name: string;
  status: string;
  claimed: boolean;
}

export const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/**
 * The set the detectors select from: the relations they share (`verified`, `elsewhere`) and the
 * UNION ALL of their SELECTs, as one query usable as a CTE body or on its own.
 */
export function detectionSet(
  organizationId: string,
  detectors: readonly ConflictDetector[],
  /** CHANGED_SUBJECTS: only the subjects of a change, whose CTEs (subjectCtes) the enclosing statement defines. */
  only: Subjects = EVERY_SUBJECT,
): RawBuilder<DetectedConflict> {
  return sql<DetectedConflict>`WITH verified AS (SELECT id, name FROM domain WHERE organization_id = ${organizationId} AND status = 'VERIFIED'),
       -- Rule R8: domains another organization verified; their addresses are not this one's to take or keep.
       elsewhere AS (SELECT name FROM domain WHERE organization_id <> ${organizationId} AND status = 'VERIFIED'),
       -- Records whose account lacks the email they want (in scope), with that account's email: what
       -- EMAIL_TAKEN's detectors (rules R6 and R8) start from, found once for both. Equal addresses
       -- (nearly every linked record) are ruled out before lower(), which cost half a full rescan's pass here.
       wanted AS MATERIALIZED (SELECT r.*, a.email AS account_email FROM scim_record r LEFT JOIN account a ON a.id = r.account_id
              WHERE r.organization_id = ${organizationId} AND ${only.record(sql.ref('r.id'))} AND r.email IS NOT NULL
                AND (a.id IS NULL OR (a.email <> r.email AND lower(a.email) <> lower(r.email))))
  SELECT * FROM (${sql.join(
    detectors.map((detector) => sql`(${detector.select(organizationId, only)})`),
    sql` UNION ALL `,
  )}) AS detected (kind, cause_key, summary, email, account_id, conflicting_account_id, scim_record_id, directory_id, domain_id)`;
}

/** The conflicts detectors select now, read without writing (the governance report's view of them). */
export async function detected(
  db: Db,
  organizationId: string,
  detectors: readonly ConflictDetector[],
  name: string,
): Promise<DetectedConflict[]> {
  const { rows } = await sql<DetectedConflict>`${tag(name)} ${detectionSet(organizationId, detectors)}`.execute(db);
  return rows;
}

/** Findings from detected conflicts: one per conflict, its summary the message, ordered by message. */
export async function findingsOf(
  db: Db,
  organizationId: string,
  detectors: readonly ConflictDetector[],
  name: string,
  subject: (conflict: DetectedConflict) => { subjectType: string; subjectId: string | null },
): Promise<Finding[]> {
  const rows = await detected(db, organizationId, detectors, name);
  return rows
    .map((row) => ({ ...subject(row), message: row.summary }))
    .filter((finding): finding is Finding => finding.subjectId !== null)
    .sort((a, b) => a.message.toLowerCase().localeCompare(b.message.toLowerCase()));
}

/** A rule's refusal as a userError, or null when the facts satisfy it. */
export function check<F>(rule: Rule<F>, facts: F, field: string | null = null): UserError | null {
  const message = rule.evaluate(facts);
  if (message === null) return null;
  if (rule.code === null) throw new Error(`Rule ${rule.id} reports findings; it does not refuse mutations`);
  return userError(typeof rule.code === 'function' ? rule.code(facts) : rule.code, message, field, rule.id);
}

/** Why facts the caller built to break the rule break it; throws (a bug) when the rule lets them pass. */
export function violationOf<F>(rule: Rule<F>, facts: NoInfer<F>): string {
  const message = rule.evaluate(facts);
  if (message === null) throw new Error(`Rule ${rule.id} was expected to find these facts in breach`);
  return message;
}

/** The refusal for facts the caller built to break the rule; throws (a bug) when the rule lets them pass. */
export function refusalOf<F>(rule: Rule<F>, facts: NoInfer<F>, field: string | null = null): UserError {
  const error = check(rule, facts, field);
  if (error === null) throw new Error(`Rule ${rule.id} was expected to refuse these facts`);
  return error;
}
