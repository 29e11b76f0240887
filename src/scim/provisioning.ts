import type { EntityManager } from 'typeorm';
import { Account } from '../accounts/account.entity';
import { changeAccountEmail } from '../accounts/account-email-change';
import { AccountOrigin, AccountStatus } from '../accounts/account.enums';
import { AccountErrorCode } from '../accounts/account.errors';
import { normalizeEmail } from '../accounts/email';
import { userError, type UserError } from '../common/user-error';
import { Conflict } from '../conflicts/conflict.entity';
import { ConflictKind } from '../conflicts/conflict.enums';
import { causeKey, openConflict, resolveConflicts } from '../conflicts/conflict.ledger';
import { reconcileConflicts } from '../conflicts/conflict-detection';
import { NOT_AVAILABLE, SUMMARY_TEMPLATES, formatSummary } from '../conflicts/conflict-summaries';
import { Directory } from '../directories/directory.entity';
import { Domain } from '../domains/domain.entity';
import { DomainStatus } from '../domains/domain.enums';
import { domainOwnedElsewhere } from '../domains/domain.service';
import { updateRow } from '../db/rows';
import { insertRow, selectRows } from '../db/statements';
import type { MutationScope } from '../db/transaction';
import { R2, R8 } from '../rules/rules';
import { ScimRecord, type ScimEmail } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';
import { PushOutcome, ScimOperation, SyncStatus } from './scim-record.enums';
import { nextRetryAt } from './retry-policy';

/** The user as the IdP last described it: what the linked account should look like. */
export interface DesiredUser {
  externalId: string | null;
  userName: string;
  emails: ScimEmail[];
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
  /** The request body, credentials removed. */
  raw: Record<string, unknown>;
}

/** The message Atlassian Guard answers with; IdPs and admins search for it. */
const emailTakenDetail = (email: string) => `Resource [USER]: with email[${email}] already exists.`;
export const userNameTakenDetail = (userName: string) => `Resource [USER]: with userName[${userName}] already exists.`;

export type SyncOutcome =
  | {
      kind: 'synced';
      record: ScimRecord;
      account: Account | null;
      createdAccount: boolean;
      resolved: Conflict[];
      findings: string[];
    }
  | { kind: 'pending'; record: ScimRecord; conflict: Conflict; findings: string[] }
  | { kind: 'failed'; record: ScimRecord; conflict: Conflict; error: UserError; findings: string[] };

const domainOfEmail = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** The email a record wants: the primary one, else the first, else a userName that is an email. */
export function primaryEmail(emails: ScimEmail[], userName: string): string | null {
  const chosen =
    emails.find((email) => email.primary === true) ?? emails.find((email) => email.type === 'work') ?? emails.at(0);
  const candidate = chosen?.value ?? (userName.includes('@') ? userName : null);
  if (!candidate) return null;
  const parsed = normalizeEmail(candidate);
  return parsed.ok ? parsed.email : candidate.trim();
}

/** Copies an IdP push onto a record's columns (the desired state), keeping the raw payload. */
function applyDesiredState(record: ScimRecord, desired: DesiredUser): void {
  Object.assign(record, {
    externalId: desired.externalId,
    userName: desired.userName,
    emails: desired.emails,
    email: primaryEmail(desired.emails, desired.userName),
    givenName: desired.givenName,
    familyName: desired.familyName,
    displayName: desired.displayName,
    active: desired.active,
    rawPayload: desired.raw,
  });
}

const displayNameOf = (record: ScimRecord) =>
  record.displayName ?? ([record.givenName, record.familyName].filter(Boolean).join(' ') || null);

/**
 * Makes the record's account match the record (the IdP's last push), or explains why it cannot:
 * - no account yet: link the managed account that owns the email, wait (PENDING) on an
 *   unmanaged one (never a silent takeover), or create one;
 * - the wanted email belongs to another account, or to another organization (rule R8: its
 *   domain is verified there): FAILED with the IdP's error, an EMAIL_TAKEN conflict naming the
 *   account when it is the organization's own, and the next automatic retry (exponential backoff);
 * - otherwise SYNCED, and the conflicts this cleared are RESOLVED (rule R7).
 * The caller holds the record's row lock.
 */
export async function syncRecord(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  options: { isNew?: boolean } = {},
): Promise<SyncOutcome> {
  const accountBefore = record.accountId;
  const outcome = await applyRecord(m, record, directory, options);
  // Whatever the outcome, the rules' detectors settle the causes of the record and of its accounts.
  await reconcileConflicts(m, {
    recordIds: [record.id],
    accountIds: [accountBefore, record.accountId].filter((id): id is string => id !== null),
  });
  return outcome;
}

async function applyRecord(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  { isNew = false } = {},
): Promise<SyncOutcome> {
  const findings: string[] = [];
  const mismatch = R2.evaluate(directory);
  if (mismatch) {
    // Rule R2: every push through a mismatched directory carries the finding.
    findings.push(mismatch);
    await openConflict(m, {
      kind: ConflictKind.MAPPING_MISMATCH,
      causeKey: causeKey.directory(directory.id),
      summary: mismatch,
      directoryId: directory.id,
    });
  }

  const email = record.email;
  const emailDomain = email ? domainOfEmail(email) : null;
  const domain = emailDomain
    ? (
        await selectRows(m.tx, Domain, 'syncRecord:domain', 'organization_id = $1 AND name = $2', [
          m.organizationId,
          emailDomain,
        ])
      ).at(0)
    : undefined;
  if (email && domain?.status !== DomainStatus.VERIFIED) {
    const summary = formatSummary(SUMMARY_TEMPLATES.UNVERIFIED_DOMAIN, directory.name, email, domainOfEmail(email));
    findings.push(summary);
    await openConflict(m, {
      kind: ConflictKind.UNVERIFIED_DOMAIN,
      causeKey: causeKey.record(record.id),
      summary,
      email,
      scimRecordId: record.id,
      directoryId: directory.id,
      domainId: domain?.id ?? null,
      accountId: record.accountId,
    });
  } else if (!isNew) {
    // A record created in this transaction has no conflicts to resolve yet.
    await resolveConflicts(m, { scimRecordId: record.id, kinds: [ConflictKind.UNVERIFIED_DOMAIN] });
  }
  const verifiedDomain = domain?.status === DomainStatus.VERIFIED;
  // Rule R8, checked before any account is linked, created or given the email.
  const ownedElsewhere = emailDomain !== null && (await domainOwnedElsewhere(m.tx, m.organizationId, emailDomain));
  const unavailable = (email: string, holder: Account | null) =>
    R8.evaluate({
      email,
      heldBy: holder === null ? 'none' : holder.organizationId === m.organizationId ? 'us' : 'others',
      domainVerifiedBy: ownedElsewhere ? 'others' : verifiedDomain ? 'us' : 'none',
      taking: true,
    }) !== null;

  let account: Account | null = record.accountId ? await lockAccount(m.tx, record.accountId) : null;
  const previousDomain = account?.emailDomain ?? null;
  let createdAccount = false;
  if (!account && email) {
    const holder = await lockAccountByEmail(m.tx, email);
    if (unavailable(email, holder)) return fail(m, record, directory, email, null, findings, domain);
    if (holder && !holder.managed) {
      return waitForClaim(m, record, directory, holder, findings);
    }
    if (holder) {
      if (await linkedInDirectory(m.tx, directory.id, holder.id, record.id))
        return fail(m, record, directory, email, holder, findings, domain);
      account = holder;
      record.accountId = holder.id;
    } else {
      const created = await createAccount(m, record, email, verifiedDomain);
      if (!created) return fail(m, record, directory, email, await lockAccountByEmail(m.tx, email), findings, domain);
      account = created;
      createdAccount = true;
      record.accountId = created.id;
    }
  }

  if (account && email && email !== account.email) {
    if (email.toLowerCase() !== account.email.toLowerCase()) {
      const holder = await lockAccountByEmail(m.tx, email);
      const other = holder && holder.id !== account.id ? holder : null;
      if (unavailable(email, other)) return fail(m, record, directory, email, null, findings, domain);
      if (other) return fail(m, record, directory, email, other, findings, domain);
    }
    if (!(await changeAccountEmail(m, account, email, domainOfEmail(email)))) {
      return fail(m, record, directory, email, await lockAccountByEmail(m.tx, email), findings, domain);
    }
  }

  if (account) {
    const changes: Partial<Account> = {};
    const displayName = displayNameOf(record);
    if (displayName && displayName !== account.displayName) changes.displayName = displayName;
    if (!record.active && account.status !== AccountStatus.DEACTIVATED) {
      Object.assign(changes, { status: AccountStatus.DEACTIVATED, statusReason: `Deactivated by ${directory.name}` });
    } else if (record.active && account.status === AccountStatus.DEACTIVATED) {
      Object.assign(changes, { status: AccountStatus.ACTIVE, statusReason: null });
    }
    if (Object.keys(changes).length > 0) await updateRow(m.tx, Account, account, changes);
  }

  await updateRow(m.tx, ScimRecord, record, {
    accountId: record.accountId,
    syncStatus: SyncStatus.SYNCED,
    attempts: 0,
    lastError: null,
    nextRetryAt: null,
    lastSyncedAt: new Date(),
  });
  const resolved = isNew
    ? []
    : await resolveConflicts(m, {
        scimRecordId: record.id,
        kinds: [ConflictKind.EMAIL_TAKEN, ConflictKind.UNMANAGED_ACCOUNT],
      });
  if (account && previousDomain !== null && (account.emailDomain !== previousDomain || !record.active)) {
    // Moved off its domain (the new address passed rule R8) or deactivated: what DOMAIN_OWNED_ELSEWHERE asked.
    resolved.push(
      ...(await resolveConflicts(m, { accountId: account.id, kinds: [ConflictKind.DOMAIN_OWNED_ELSEWHERE] })),
    );
  }
  // A record without any email has no account to link yet; it is still in sync with itself.
  return { kind: 'synced', record, account, createdAccount, resolved, findings };
}

async function lockAccount(tx: EntityManager, id: string): Promise<Account | null> {
  const [account = null] = await selectRows(tx, Account, 'syncRecord:account', 'id = $1', [id], { lock: true });
  return account;
}

async function lockAccountByEmail(tx: EntityManager, email: string): Promise<Account | null> {
  const [holder = null] = await selectRows(tx, Account, 'syncRecord:holder', 'lower(email) = lower($1)', [email], {
    lock: true,
  });
  return holder;
}

export async function linkedInDirectory(
  tx: EntityManager,
  directoryId: string,
  accountId: string,
  exceptRecordId: string,
): Promise<boolean> {
  const rows: unknown[] = await tx.query(
    `SELECT 1 FROM scim_record WHERE directory_id = $1 AND account_id = $2 AND id <> $3 LIMIT 1`,
    [directoryId, accountId, exceptRecordId],
  );
  return rows.length > 0;
}

/** A new SCIM account; managed when its domain is verified. Null when another account took the email meanwhile. */
async function createAccount(
  m: MutationScope,
  record: ScimRecord,
  email: string,
  verifiedDomain: boolean,
): Promise<Account | null> {
  return insertRow(
    m.tx,
    Account,
    {
      organizationId: m.organizationId,
      email,
      emailDomain: domainOfEmail(email),
      displayName: displayNameOf(record),
      origin: AccountOrigin.SCIM,
      status: record.active ? AccountStatus.ACTIVE : AccountStatus.DEACTIVATED,
      managed: verifiedDomain,
      claimedAt: verifiedDomain ? new Date() : null,
    },
    // The email's unique index refuses a concurrent twin: the caller then treats it as held.
    { comment: 'syncRecord:createAccount', skipOnConflict: true },
  );
}

async function fail(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  email: string,
  holder: Account | null,
  findings: string[],
  domain: Domain | undefined,
): Promise<SyncOutcome> {
  const detail = emailTakenDetail(email);
  const sameOrganization = holder !== null && holder.organizationId === m.organizationId;
  // Outside the organization (held there, or on a domain verified there) reads the same whatever the reason (rule R8).
  const why = sameOrganization
    ? `which the account ${holder.email} already owns`
    : `which is not available to your organization: ${NOT_AVAILABLE}`;
  const { conflict } = await openConflict(m, {
    kind: ConflictKind.EMAIL_TAKEN,
    causeKey: causeKey.record(record.id),
    summary: record.accountId
      ? `${directory.name} wants its account for ${record.userName} to have ${email}, ${why}.`
      : `${directory.name} provisions ${record.userName} with ${email}, ${why}.`,
    email,
    accountId: record.accountId,
    conflictingAccountId: sameOrganization ? holder.id : null,
    scimRecordId: record.id,
    directoryId: directory.id,
    domainId: domain?.id ?? null,
  });
  const attempts = record.attempts + 1;
  await updateRow(m.tx, ScimRecord, record, {
    accountId: record.accountId,
    syncStatus: SyncStatus.FAILED,
    attempts,
    lastError: detail,
    nextRetryAt: nextRetryAt(attempts),
  });
  return {
    kind: 'failed',
    record,
    conflict,
    error: userError(AccountErrorCode.EMAIL_TAKEN, detail, 'email'),
    findings,
  };
}

async function waitForClaim(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  holder: Account,
  findings: string[],
): Promise<SyncOutcome> {
  const { conflict } = await openConflict(m, {
    kind: ConflictKind.UNMANAGED_ACCOUNT,
    causeKey: causeKey.account(holder.id),
    summary: `${directory.name} provisions ${holder.email}, which belongs to an account your organization has not claimed: claim it, then link and resync the record.`,
    email: holder.email,
    accountId: holder.id,
    scimRecordId: record.id,
    directoryId: directory.id,
  });
  await updateRow(m.tx, ScimRecord, record, {
    syncStatus: SyncStatus.PENDING,
    lastError: `Waiting for ${holder.email} to be claimed before it is linked (no silent takeover).`,
    nextRetryAt: null,
  });
  return { kind: 'pending', record, conflict, findings };
}

/** Appends one push (or resync) to the record's history. */
export async function recordPush(
  m: MutationScope,
  record: { id: string | null; directoryId: string },
  push: {
    operation: ScimOperation;
    outcome: PushOutcome;
    httpStatus: number | null;
    detail: string | null;
    payload: unknown;
  },
): Promise<void> {
  m.later(ScimPush, {
    organizationId: m.organizationId,
    directoryId: record.directoryId,
    scimRecordId: record.id,
    actor: m.actor,
    requestId: m.requestId,
    ...push,
  });
}

export const pushOutcomeOf = (outcome: SyncOutcome): PushOutcome =>
  outcome.kind === 'synced'
    ? PushOutcome.APPLIED
    : outcome.kind === 'pending'
      ? PushOutcome.PENDING
      : PushOutcome.CONFLICT;

export type PushResult =
  /** `fresh`: the record was created by this push (it has no groups, no history yet). */
  | { kind: 'synced' | 'pending'; status: 200 | 201; record: ScimRecord; sync: SyncOutcome; fresh: boolean }
  | { kind: 'failed'; status: 409; record: ScimRecord; sync: SyncOutcome & { kind: 'failed' } }
  | { kind: 'duplicate'; status: 409; detail: string };

async function lockRecordBy(
  tx: EntityManager,
  directoryId: string,
  where: string,
  params: unknown[],
): Promise<ScimRecord | null> {
  const [record = null] = await selectRows(
    tx,
    ScimRecord,
    'scim:findRecord',
    `directory_id = $1 AND ${where}`,
    [directoryId, ...params],
    { lock: true },
  );
  return record;
}

/**
 * An IdP's create. A retry of the same create (same externalId, or same userName without one)
 * updates the record it made the first time instead of making a second; another user's
 * userName is a uniqueness error. The push is stored as the desired state even when it cannot
 * be applied, so a later resync can apply it without the IdP.
 */
export async function provisionUser(m: MutationScope, directory: Directory, desired: DesiredUser): Promise<PushResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // Both identities in one read: the record with this userName and the one with this externalId.
    const found = await selectRows(
      m.tx,
      ScimRecord,
      'scim:findRecord',
      'directory_id = $1 AND (lower(user_name) = lower($2) OR external_id = $3)',
      [directory.id, desired.userName, desired.externalId],
      { lock: true },
    );
    const byUserName = found.find((record) => record.userName.toLowerCase() === desired.userName.toLowerCase()) ?? null;
    const byExternalId = desired.externalId
      ? (found.find((record) => record.externalId === desired.externalId) ?? null)
      : null;
    const existing = byExternalId ?? byUserName;
    if (existing && byUserName && byUserName.id !== existing.id) {
      return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
    }
    if (existing && !byExternalId && existing.externalId !== null && desired.externalId !== null) {
      return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
    }
    if (existing) return updateUser(m, directory, existing, desired, ScimOperation.CREATE, 201);

    const draft = m.tx.create(ScimRecord, {
      organizationId: m.organizationId,
      directoryId: directory.id,
      syncStatus: SyncStatus.PENDING,
    });
    applyDesiredState(draft, desired);
    const record = await insertRow(m.tx, ScimRecord, draft, { comment: 'scim:createRecord', skipOnConflict: true });
    // A concurrent create of the same user won the insert (userName or externalId): read it on the next pass.
    if (!record) continue;
    return settle(m, directory, record, ScimOperation.CREATE, 201, null);
  }
  return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
}

/** An IdP's full replace or patch (already applied to the current resource): new desired state, then sync. */
export async function updateUser(
  m: MutationScope,
  directory: Directory,
  record: ScimRecord,
  desired: DesiredUser,
  operation: ScimOperation,
  successStatus: 200 | 201 = 200,
): Promise<PushResult> {
  const before = snapshot(record);
  applyDesiredState(record, desired);
  if (desired.userName.toLowerCase() !== before.userName.toLowerCase()) {
    const clash = await lockRecordBy(m.tx, directory.id, 'lower(user_name) = lower($2) AND id <> $3', [
      desired.userName,
      record.id,
    ]);
    if (clash) return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
  }
  await updateRow(m.tx, ScimRecord, record, {
    externalId: record.externalId,
    userName: record.userName,
    emails: record.emails,
    email: record.email,
    givenName: record.givenName,
    familyName: record.familyName,
    displayName: record.displayName,
    active: record.active,
    rawPayload: record.rawPayload,
  });
  return settle(m, directory, record, operation, successStatus, before);
}

async function settle(
  m: MutationScope,
  directory: Directory,
  record: ScimRecord,
  operation: ScimOperation,
  successStatus: 200 | 201,
  before: ReturnType<typeof snapshot> | null,
): Promise<PushResult> {
  const sync = await syncRecord(m, record, directory, { isNew: before === null });
  const status = sync.kind === 'failed' ? 409 : successStatus;
  await recordPush(m, record, {
    operation,
    outcome: pushOutcomeOf(sync),
    httpStatus: status,
    detail: sync.kind === 'failed' ? sync.error.message : sync.kind === 'pending' ? record.lastError : null,
    payload: record.rawPayload,
  });
  await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: snapshot(record) });
  if (sync.kind === 'failed') return { kind: 'failed', status: 409, record, sync };
  return { kind: sync.kind, status: successStatus, record, sync, fresh: before === null };
}

/** What the audit trail keeps of a record: its identity, wanted email and sync state. */
export function snapshot(record: ScimRecord) {
  return {
    externalId: record.externalId,
    userName: record.userName,
    email: record.email,
    active: record.active,
    accountId: record.accountId,
    syncStatus: record.syncStatus,
    attempts: record.attempts,
  };
}
