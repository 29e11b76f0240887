import { randomUUID } from 'node:crypto';
import { Account, changeAccountEmail, AccountOrigin, AccountStatus, AccountErrorCode } from '../accounts';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common';
import {
  ConflictKind,
  type Conflict,
  type ConflictSpec,
  causeKey,
  openConflict,
  resolveConflicts,
  reconcileConflicts,
} from '../conflicts';
import { NOT_AVAILABLE, SUMMARY_TEMPLATES, formatSummary, R2, R8 } from '../rules';
import type { Directory } from '../directories';
import { DomainStatus } from '../domains';
import { violatedUniqueConstraint, withSavepoint, type MutationScope } from '../db';
import {
  PushOutcome,
  ScimOperation,
  SyncStatus,
  type AcceptedState,
  ScimRecord,
  ScimRecordStore,
  type RecordState,
  type RecordSyncState,
  nextRetryAt,
  emailTakenDetail,
  primaryEmail,
  recordPush,
  snapshot,
  userNameTakenDetail,
  type DesiredUser,
  lockCurrentRecord,
} from '../scim';
import type { RecordOutcome } from './records';
import { ProvisioningStore, type AccountChanges, type NewAccount, type PushFacts } from './provisioning.store';

export type SyncOutcome =
  | {
      kind: 'synced';
      record: ScimRecord;
      account: Account | null;
      createdAccount: boolean;
      resolved: Conflict[];
      findings: string[];
    }
  /** `conflict`: the OPEN one blocking the record; null when its cause is dismissed (the dismissal holds). */
  | { kind: 'pending'; record: ScimRecord; conflict: Conflict | null; findings: string[] }
  | { kind: 'failed'; record: ScimRecord; conflict: Conflict | null; error: UserError; findings: string[] };

const domainOfEmail = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** An IdP push as a record's columns (the desired state), keeping the raw payload. */
function desiredState(desired: DesiredUser): RecordState {
  return {
    externalId: desired.externalId,
    userName: desired.userName,
    emails: desired.emails,
    email: primaryEmail(desired.emails, desired.userName),
    givenName: desired.givenName,
    familyName: desired.familyName,
    displayName: desired.displayName,
    active: desired.active,
    rawPayload: desired.raw,
  };
}

/** A push's desired state not yet written: it goes with the sync's write of the record. */
const unsaved = new WeakMap<ScimRecord, RecordState>();

/**
 * A create's new record, not inserted yet: its sync's write inserts it, in the state the sync
 * decided (one write instead of an insert and an update across the record's ten indexes).
 */
const unwritten = new WeakSet<ScimRecord>();

/** Writes a record's sync outcome, with any desired state its push has not written yet. */
async function writeRecord(
  m: MutationScope,
  record: ScimRecord,
  changes: RecordSyncState,
  name: string,
): Promise<ScimRecord> {
  if (unwritten.has(record)) {
    await new ProvisioningStore(m.db).sync(record, changes, null, {}, true);
    unwritten.delete(record);
    return record;
  }
  const state = unsaved.get(record);
  unsaved.delete(record);
  return new ScimRecordStore(m.db).update(record, { ...state, ...changes }, name);
}

/** What SCIM reads answer for a record until its next push is applied: its columns as they are now. */
function acceptedStateOf(record: ScimRecord): AcceptedState {
  if (record.acceptedState) return record.acceptedState;
  const { externalId, userName, emails, givenName, familyName, displayName, active, rawPayload } = record;
  return { externalId, userName, emails, givenName, familyName, displayName, active, rawPayload };
}

/** The accepted state of a record whose create was never answered 2xx (accepted_state '{}'). */
const NEVER_ACCEPTED: AcceptedState = Object.freeze({});

/** Whether the IdP was ever answered 2xx for the record (a refused create's record is invisible to SCIM). */
const everAccepted = (record: ScimRecord) =>
  record.acceptedState === null || Object.keys(record.acceptedState).length > 0;

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
async function syncRecord(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  options: { isNew?: boolean; known?: PushFacts } = {},
): Promise<SyncOutcome> {
  const accountBefore = record.accountId;
  const unverified: ConflictSpec[] = [];
  const outcome = await applyRecord(m, record, directory, { ...options, unverified });
  // Named with the account the sync left the record linked to, as the rescan names it: a dismissal
  // compares these facts, so a conflict opened before the link would not match the next push's.
  for (const spec of unverified) await openConflict(m, { ...spec, accountId: record.accountId });
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
  {
    isNew = false,
    known,
    unverified,
  }: {
    isNew?: boolean;
    known?: PushFacts;
    /** Where the UNVERIFIED_DOMAIN conflict of the push goes, for syncRecord to open once the account is settled. */
    unverified: ConflictSpec[];
  },
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
  const store = new ProvisioningStore(m.db);
  // Rule R8's and the link's facts, and the accounts this sync may write, in one locked read.
  const facts = known ?? (await store.facts(m.organizationId, record, email));
  // Only what is open needs resolving. Pushes and resyncs open this record's conflicts under its row
  // lock, held here; a rescan committing after this read is ordered after this push, as it would be anyway.
  const open = (...kinds: ConflictKind[]) => !isNew && kinds.some((kind) => facts.openKinds.has(kind));
  const domain = emailDomain ? facts.domain : null;
  if (email && domain?.status !== DomainStatus.VERIFIED) {
    const summary = formatSummary(SUMMARY_TEMPLATES.UNVERIFIED_DOMAIN, directory.name, email, domainOfEmail(email));
    findings.push(summary);
    unverified.push({
      kind: ConflictKind.UNVERIFIED_DOMAIN,
      causeKey: causeKey.record(record.id),
      summary,
      email,
      scimRecordId: record.id,
      directoryId: directory.id,
      domainId: domain?.id ?? null,
    });
  } else if (open(ConflictKind.UNVERIFIED_DOMAIN)) {
    // A record created in this transaction has no conflicts to resolve yet.
    await resolveConflicts(m, { scimRecordId: record.id, kinds: [ConflictKind.UNVERIFIED_DOMAIN] });
  }
  const verifiedDomain = domain?.status === DomainStatus.VERIFIED;
  // Rule R8, checked before any account is linked, created or given the email.
  const ownedElsewhere = emailDomain !== null && facts.ownedElsewhere;
  const unavailable = (email: string, holder: Account | null) =>
    R8.evaluate({
      email,
      heldBy: holder === null ? 'none' : holder.organizationId === m.organizationId ? 'us' : 'others',
      domainVerifiedBy: ownedElsewhere ? 'others' : verifiedDomain ? 'us' : 'none',
      taking: true,
    }) !== null;

  let account: Account | null = facts.linked;
  const previousDomain = account?.emailDomain ?? null;
  let newAccount: NewAccount | null = null;
  if (!account && email) {
    const holder = facts.holder;
    if (unavailable(email, holder)) return fail(m, record, directory, email, null, findings, domain);
    if (holder && !holder.managed) {
      return waitForClaim(m, record, directory, holder, findings, verifiedDomain ? domain : null);
    }
    if (holder) {
      if (await new ScimRecordStore(m.db).linkedInDirectory(directory.id, holder.id, record.id))
        return fail(m, record, directory, email, holder, findings, domain);
      account = holder;
      record.accountId = holder.id;
    } else {
      // Inserted with the record's write below (one statement); nothing of it differs from the record.
      newAccount = accountFor(m, record, email, verifiedDomain);
    }
  }

  if (account && email && email !== account.email) {
    if (email.toLowerCase() !== account.email.toLowerCase()) {
      const holder = facts.holder;
      const other = holder && holder.id !== account.id ? holder : null;
      if (unavailable(email, other)) return fail(m, record, directory, email, null, findings, domain, account);
      if (other) return fail(m, record, directory, email, other, findings, domain, account);
    }
    if (!(await changeAccountEmail(m, account, email, domainOfEmail(email)))) {
      return fail(m, record, directory, email, await store.lockHolder(email), findings, domain, account);
    }
  }

  const accountChanges: AccountChanges = {};
  if (account) {
    const displayName = displayNameOf(record);
    if (displayName && displayName !== account.displayName) accountChanges.displayName = displayName;
    if (!record.active && account.status !== AccountStatus.DEACTIVATED) {
      Object.assign(accountChanges, {
        status: AccountStatus.DEACTIVATED,
        statusReason: `Deactivated by ${directory.name}`,
      });
    } else if (record.active && account.status === AccountStatus.DEACTIVATED) {
      Object.assign(accountChanges, { status: AccountStatus.ACTIVE, statusReason: null });
    }
  }

  // The record's state (and the push's desired state, if not written yet) with the account's
  // insert or changes: one statement.
  const synced = {
    ...unsaved.get(record),
    acceptedState: null,
    syncStatus: SyncStatus.SYNCED,
    attempts: 0,
    lastError: null,
    nextRetryAt: null,
    lastSyncedAt: new Date(),
    unlinkedAt: null,
  };
  const insert = unwritten.has(record);
  if (newAccount && email) {
    const created = await store.insertAccountAndSync(newAccount, record, synced, insert);
    // Another account took the email meanwhile (its unique index refused the twin): held, then.
    if (!created) return fail(m, record, directory, email, await store.lockHolder(email), findings, domain);
    account = created;
  } else {
    await store.sync(record, { ...synced, accountId: record.accountId }, account, accountChanges, insert);
  }
  unwritten.delete(record);
  unsaved.delete(record);
  const createdAccount = newAccount !== null;
  const resolved = open(ConflictKind.EMAIL_TAKEN, ConflictKind.UNMANAGED_ACCOUNT)
    ? await resolveConflicts(m, {
        scimRecordId: record.id,
        kinds: [ConflictKind.EMAIL_TAKEN, ConflictKind.UNMANAGED_ACCOUNT],
      })
    : [];
  if (
    account &&
    previousDomain !== null &&
    (account.emailDomain !== previousDomain || !record.active) &&
    facts.linkedOwnedElsewhere
  ) {
    // Moved off its domain (the new address passed rule R8) or deactivated: what DOMAIN_OWNED_ELSEWHERE asked.
    resolved.push(
      ...(await resolveConflicts(m, { accountId: account.id, kinds: [ConflictKind.DOMAIN_OWNED_ELSEWHERE] })),
    );
  }
  // A record without any email has no account to link yet; it is still in sync with itself.
  return { kind: 'synced', record, account, createdAccount, resolved, findings };
}

/** A new SCIM account for the record; managed when its domain is verified. */
function accountFor(m: MutationScope, record: ScimRecord, email: string, verifiedDomain: boolean): NewAccount {
  return {
    organizationId: m.organizationId,
    email,
    emailDomain: domainOfEmail(email),
    displayName: displayNameOf(record),
    origin: AccountOrigin.SCIM,
    status: record.active ? AccountStatus.ACTIVE : AccountStatus.DEACTIVATED,
    managed: verifiedDomain,
    claimedAt: verifiedDomain ? new Date() : null,
  };
}

async function fail(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
  email: string,
  holder: Account | null,
  findings: string[],
  domain: { id: string } | null,
  /** The account the record is linked to, which the push would give the email. */
  own: Account | null = null,
): Promise<SyncOutcome> {
  const detail = emailTakenDetail(email);
  const sameOrganization = holder !== null && holder.organizationId === m.organizationId;
  // Outside the organization (held there, or on a domain verified there) reads the same whatever the reason (rule R8).
  const why = sameOrganization
    ? `which the account ${holder.email} already owns`
    : `which is not available to your organization: ${NOT_AVAILABLE}`;
  // The record first: a create's new record is inserted by this write, and the conflict names it.
  const attempts = record.attempts + 1;
  await writeRecord(
    m,
    record,
    {
      accountId: record.accountId,
      syncStatus: SyncStatus.FAILED,
      attempts,
      lastError: detail,
      nextRetryAt: nextRetryAt(attempts),
    },
    'syncRecord:failed',
  );
  const { conflict } = await openConflict(m, {
    kind: ConflictKind.EMAIL_TAKEN,
    causeKey: causeKey.record(record.id),
    // Named by its current address, as the rescan names it (SUMMARY_TEMPLATES): the push may rename
    // the user too, so userName can already be the email.
    summary: own
      ? `${directory.name} wants the account of ${own.email} to have ${email}, ${why}.`
      : record.accountId
        ? `${directory.name} wants its account for ${record.userName} to have ${email}, ${why}.`
        : `${directory.name} provisions ${record.userName} with ${email}, ${why}.`,
    email,
    accountId: record.accountId,
    conflictingAccountId: sameOrganization ? holder.id : null,
    scimRecordId: record.id,
    directoryId: directory.id,
    domainId: domain?.id ?? null,
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
  /** The verified domain of the holder's address, which the rescan names too. */
  verifiedDomain: { id: string } | null,
): Promise<SyncOutcome> {
  // The record first: a create's new record is inserted by this write, and the conflict names it.
  await writeRecord(
    m,
    record,
    {
      // Answered 2xx: the push is the IdP's user now.
      acceptedState: null,
      syncStatus: SyncStatus.PENDING,
      lastError: `Waiting for ${holder.email} to be claimed before it is linked (no silent takeover).`,
      nextRetryAt: null,
      unlinkedAt: null,
    },
    'syncRecord:pending',
  );
  const { conflict } = await openConflict(m, {
    kind: ConflictKind.UNMANAGED_ACCOUNT,
    causeKey: causeKey.account(holder.id),
    summary: `${directory.name} provisions ${holder.email}, which belongs to an account your organization has not claimed: claim it, then link and resync the record.`,
    email: holder.email,
    accountId: holder.id,
    scimRecordId: record.id,
    directoryId: directory.id,
    domainId: verifiedDomain?.id ?? null,
  });
  return { kind: 'pending', record, conflict, findings };
}

const pushOutcomeOf = (outcome: SyncOutcome): PushOutcome =>
  outcome.kind === 'synced'
    ? PushOutcome.APPLIED
    : outcome.kind === 'pending'
      ? PushOutcome.PENDING
      : PushOutcome.CONFLICT;

/**
 * The audit event's `after` of a push or resync: the record's snapshot, with the rule findings
 * the push carried (rule R2: every push through a mismatched directory is flagged), if any.
 */
const flagged = (record: ScimRecord, sync: SyncOutcome) =>
  sync.findings.length > 0 ? { ...snapshot(record), findings: sync.findings } : snapshot(record);

export type PushResult =
  /** `fresh`: the record was created by this push (it has no groups, no history yet). */
  | { kind: 'synced' | 'pending'; status: 200 | 201; record: ScimRecord; sync: SyncOutcome; fresh: boolean }
  | { kind: 'failed'; status: 409; record: ScimRecord; sync: SyncOutcome & { kind: 'failed' } }
  | { kind: 'duplicate'; status: 409; detail: string };

/**
 * An IdP's create. A user with this userName or externalId that exists is 409 uniqueness (RFC 7644
 * 3.3), an identical repeat included: IdPs look the user up before they create and read 409 as
 * "exists" (ADR 0008). The push is stored as the desired state even when it cannot be applied, so
 * a later resync can apply it without the IdP; a refused create's record stays invisible to SCIM
 * reads, and the next create of that user takes it over.
 */
export async function provisionUser(m: MutationScope, directory: Directory, desired: DesiredUser): Promise<PushResult> {
  const state = desiredState(desired);
  // One statement: both identities (the record with this userName and the one with this
  // externalId), locked, and the facts of syncing a new record (its email's domain and holder).
  const { found, facts } = await new ProvisioningStore(m.db).createFacts(m.organizationId, directory.id, state);
  const byExternalId = desired.externalId
    ? (found.find((record) => record.externalId === desired.externalId) ?? null)
    : null;
  // Any other record found has the userName as Postgres folds case (lower(), as its unique index
  // does), which JavaScript's toLowerCase does not always agree with (İ).
  const byUserName =
    found.find((record) => record !== byExternalId) ??
    (byExternalId?.userName.toLowerCase() === desired.userName.toLowerCase() ? byExternalId : null);
  const existing = byExternalId ?? byUserName;
  if (existing && byUserName && byUserName.id !== existing.id) {
    return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
  }
  // RFC 7644 3.3: a user that exists is 409 uniqueness, an identical repeat included (ADR 0008).
  if (existing && everAccepted(existing)) {
    const detail = byUserName ? userNameTakenDetail(desired.userName) : externalIdTakenDetail(desired.externalId);
    return { kind: 'duplicate', status: 409, detail };
  }
  // A refused create's record: the IdP was told no, so its next create (a retry or a new try) is the create.
  if (existing) return updateUser(m, directory, existing, desired, ScimOperation.CREATE, 201);

  // Inserted by its sync's write. A concurrent create of the same user that commits first makes
  // that write LostWriteRace: the transaction runs again and finds it here.
  const record = Object.assign(new ScimRecord(), {
    ...state,
    id: randomUUID(),
    organizationId: m.organizationId,
    directoryId: directory.id,
    accountId: null,
    // Invisible to SCIM reads until a sync accepts it: a create refused 409 changes nothing GET answers.
    acceptedState: NEVER_ACCEPTED,
    syncStatus: SyncStatus.PENDING,
    lastError: null,
    attempts: 0,
    nextRetryAt: null,
    lastSyncedAt: null,
    unlinkedAt: null,
  });
  unwritten.add(record);
  return settle(m, directory, record, ScimOperation.CREATE, 201, null, facts);
}

/** An IdP's full replace or patch (already applied to the current resource): new desired state, then sync. */
export async function updateUser(
  m: MutationScope,
  directory: Directory,
  record: ScimRecord,
  desired: DesiredUser,
  operation: ScimOperation,
  successStatus: 200 | 201 = 200,
  known?: PushFacts,
): Promise<PushResult> {
  const before = snapshot(record);
  const records = new ScimRecordStore(m.db);
  if (desired.userName.toLowerCase() !== before.userName.toLowerCase()) {
    const clash = await records.lockUserNameHolder(directory.id, desired.userName, record.id);
    if (clash) return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
  }
  // Written with the sync's own write (one UPDATE): syncRecord reads the new columns from the record.
  // Until the sync applies it, SCIM reads answer the state accepted before it (null once applied).
  const state = { ...desiredState(desired), acceptedState: acceptedStateOf(record) };
  Object.assign(record, state);
  unsaved.set(record, state);
  return settle(m, directory, record, operation, successStatus, before, known);
}

async function settle(
  m: MutationScope,
  directory: Directory,
  record: ScimRecord,
  operation: ScimOperation,
  successStatus: 200 | 201,
  before: ReturnType<typeof snapshot> | null,
  known?: PushFacts,
): Promise<PushResult> {
  const sync = await syncRecord(m, record, directory, { isNew: before === null, known });
  const status = sync.kind === 'failed' ? 409 : successStatus;
  await recordPush(m, record, {
    operation,
    outcome: pushOutcomeOf(sync),
    httpStatus: status,
    detail: sync.kind === 'failed' ? sync.error.message : sync.kind === 'pending' ? record.lastError : null,
    payload: record.rawPayload,
    findings: sync.findings,
  });
  await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: flagged(record, sync) });
  if (sync.kind === 'failed') return { kind: 'failed', status: 409, record, sync };
  return { kind: sync.kind, status: successStatus, record, sync, fresh: before === null };
}

/**
 * A PUT's one read: the record behind a SCIM User id of this directory, locked (null for any
 * other id), with the facts of syncing it to the desired state; replaceUser takes both.
 */
export async function lockUserForReplace(
  m: MutationScope,
  directory: Directory,
  id: string,
  desired: DesiredUser,
): Promise<{ record: ScimRecord | null; facts: PushFacts }> {
  return new ProvisioningStore(m.db).replaceFacts(directory, id, desiredState(desired).email);
}

/** `resync` of a record the caller already holds locked (the retry worker claims its own). */
async function resyncLocked(
  m: MutationScope,
  record: ScimRecord,
  directory: Directory,
): Promise<Extract<RecordOutcome, { kind: 'sync' }>> {
  const before = snapshot(record);
  const sync = await syncRecord(m, record, directory);
  await recordPush(m, record, {
    operation: ScimOperation.RESYNC,
    outcome: pushOutcomeOf(sync),
    httpStatus: null,
    detail: sync.kind === 'failed' ? sync.error.message : sync.kind === 'pending' ? record.lastError : null,
    payload: null,
    findings: sync.findings,
  });
  await m.audit({ targetType: 'ScimRecord', targetId: record.id, before, after: flagged(record, sync) });
  return { kind: 'sync', record, sync };
}

/**
 * Applies the record's desired state (the IdP's last push) to its account without the IdP
 * pushing again. A failure is recorded (attempts, next retry, the conflict stays OPEN) and
 * returned as a userError; a success resolves the conflicts it cleared (rule R7).
 */
export async function resyncRecord(
  m: MutationScope,
  input: { id: string; expectedVersion?: number | null },
): Promise<RecordOutcome> {
  const found = await lockCurrentRecord(m, input.id, input.expectedVersion);
  if (found.refusal) return { kind: 'refused', error: found.refusal, record: found.row };
  return resyncLocked(m, found.row, await new ScimRecordStore(m.db).directoryOf(found.row));
}

/** At most this many records per resyncScimRecords call. */
export const MAX_BULK_RESYNC = 100;

export type BulkResyncOutcome =
  | { kind: 'refused'; errors: UserError[] }
  | { kind: 'resynced'; results: Array<{ record: ScimRecord; sync: SyncOutcome }> };

/**
 * resyncRecord for many records in one transaction. Addressing is all or none: an empty or too
 * long list, an unknown id or one listed twice refuses the whole call, every problem listed
 * (field ids.N), and nothing is done. Then every record is resynced as resyncRecord would, each
 * with its own outcome (a failure is recorded on its record, FAILED with its retry, as a single
 * resync records it), its own push history entry and its own audit event.
 */
export async function resyncRecords(m: MutationScope, input: { ids: string[] }): Promise<BulkResyncOutcome> {
  if (input.ids.length === 0 || input.ids.length > MAX_BULK_RESYNC) {
    return {
      kind: 'refused',
      errors: [userError(CommonErrorCode.INVALID_INPUT, `Give between 1 and ${MAX_BULK_RESYNC} record ids.`, 'ids')],
    };
  }
  const records = new ScimRecordStore(m.db);
  const byId = new Map(
    (await records.lockManyInOrganization(m.organizationId, input.ids, m.action)).map((record) => [record.id, record]),
  );
  const errors: UserError[] = [];
  const seen = new Set<string>();
  const chosen: ScimRecord[] = [];
  input.ids.forEach((id, i) => {
    const field = `ids.${i}`;
    const record = byId.get(id.toLowerCase());
    if (!record) return void errors.push(notFoundError('SCIM record', field));
    if (seen.has(record.id)) {
      return void errors.push(
        userError(CommonErrorCode.INVALID_INPUT, `${record.userName} is listed more than once.`, field),
      );
    }
    seen.add(record.id);
    chosen.push(record);
  });
  if (errors.length > 0) return { kind: 'refused', errors };

  const directories = new Map<string, Directory>();
  const results: Array<{ record: ScimRecord; sync: SyncOutcome }> = [];
  for (const record of chosen) {
    let directory = directories.get(record.directoryId);
    if (!directory) {
      directory = await records.directoryOf(record);
      directories.set(directory.id, directory);
    }
    const { sync } = await resyncLocked(m, record, directory);
    results.push({ record, sync });
  }
  return { kind: 'resynced', results };
}

/** Claims a due FAILED record for the retry worker and resyncs it; null when another worker holds it or it is no longer due. */
export async function retryDue(m: MutationScope, id: string): Promise<RecordOutcome | null> {
  const records = new ScimRecordStore(m.db);
  // The whole row: the claim's lock is the one resync needs, so it is not read twice.
  const record = await records.claimDue(id, m.organizationId);
  if (!record) return null;
  return resyncLocked(m, record, await records.directoryOf(record));
}

// Null never reaches it (NULLs never clash); the type is what the callers hold.
const externalIdTakenDetail = (externalId: string | null) =>
  `Resource [USER]: with externalId[${externalId ?? ''}] already exists.`;

/**
 * An IdP's PUT, or a PATCH already applied, to a record it holds locked: updateUser, with
 * identity clashes answered as duplicates (409), never a 500. A concurrent writer can still take
 * the new userName or externalId first: its unique constraint then fails only a savepoint.
 */
export async function replaceUser(
  m: MutationScope,
  directory: Directory,
  record: ScimRecord,
  desired: DesiredUser,
  operation: ScimOperation,
  known?: PushFacts,
): Promise<PushResult> {
  const externalIdChanges = desired.externalId !== record.externalId;
  const identityChanges = externalIdChanges || desired.userName.toLowerCase() !== record.userName.toLowerCase();
  if (externalIdChanges && desired.externalId !== null) {
    if (await new ScimRecordStore(m.db).externalIdTaken(directory.id, desired.externalId, record.id))
      return { kind: 'duplicate', status: 409, detail: externalIdTakenDetail(desired.externalId) };
  }
  const apply = () => updateUser(m, directory, record, desired, operation, 200, known);
  try {
    return identityChanges ? await withSavepoint(m.db, apply) : await apply();
  } catch (error) {
    const constraint = violatedUniqueConstraint(error);
    if (constraint === 'scim_record_directory_user_name_key')
      return { kind: 'duplicate', status: 409, detail: userNameTakenDetail(desired.userName) };
    if (constraint === 'scim_record_directory_id_external_id_key')
      return { kind: 'duplicate', status: 409, detail: externalIdTakenDetail(desired.externalId) };
    throw error;
  }
}
