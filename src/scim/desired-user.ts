import { normalizeEmail } from '../accounts';
import type { MutationScope } from '../db';
import type { ScimEmail, ScimRecord } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';
import type { PushOutcome, ScimOperation } from './scim-record.enums';

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
export const emailTakenDetail = (email: string) => `Resource [USER]: with email[${email}] already exists.`;
export const userNameTakenDetail = (userName: string) => `Resource [USER]: with userName[${userName}] already exists.`;

/** The email a record wants: the primary one, else the first, else a userName that is an email. */
export function primaryEmail(emails: ScimEmail[], userName: string): string | null {
  const chosen =
    emails.find((email) => email.primary === true) ?? emails.find((email) => email.type === 'work') ?? emails.at(0);
  const candidate = chosen?.value ?? (userName.includes('@') ? userName : null);
  if (!candidate) return null;
  const parsed = normalizeEmail(candidate);
  return parsed.ok ? parsed.email : candidate.trim();
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
    /** Rule findings the push carried (rule R2's mismatched mapping, ...). */
    findings?: string[];
  },
): Promise<void> {
  m.later(ScimPush, {
    organizationId: m.organizationId,
    directoryId: record.directoryId,
    scimRecordId: record.id,
    actor: m.actor,
    requestId: m.requestId,
    ...push,
    findings: push.findings ?? [],
  });
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
