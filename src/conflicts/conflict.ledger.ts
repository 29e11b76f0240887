import type { MutationScope } from '../db';
import type { Conflict } from './conflict.entity';
import { ConflictStore, type ConflictSelector, type ConflictSpec } from './conflict.store';

export type { ConflictSelector, ConflictSpec } from './conflict.store';

/**
 * The conflict ledger as the per-change paths of other features use it, inside their mutation:
 * each function writes through the conflict store on the mutation's transaction, with the audit
 * events of the conflicts it opens or closes in the same statement.
 */

export const causeKey = {
  record: (id: string) => `record:${id}`,
  directory: (id: string) => `directory:${id}`,
  account: (id: string) => `account:${id}`,
  email: (email: string) => `email:${email.toLowerCase()}`,
  externalId: (externalId: string) => `externalId:${externalId}`,
};

/**
 * Opens a conflict, or refreshes the details of the one already OPEN for the same cause: the
 * partial unique index makes this a single idempotent statement, safe under concurrency. An
 * opening writes its audit event in the same statement. A cause whose dismissal holds (the same
 * facts as its latest closed conflict, dismissed, as the rescan decides) is not opened: then
 * `conflict` is null, nothing being open for it.
 */
export async function openConflict(
  m: MutationScope,
  spec: ConflictSpec,
): Promise<{ conflict: Conflict | null; opened: boolean }> {
  const store = new ConflictStore(m.db);
  const written = (await store.upsertOpen(m.organizationId, [spec], m, 'openConflict', true)).at(0);
  if (written) return written;
  // Held by its dismissal (nothing open), or opened by a transaction that committed after the
  // statement's snapshot was taken (the upsert saw it, its read did not).
  return { conflict: await store.findOpen(m.organizationId, spec.kind, spec.causeKey), opened: false };
}

/**
 * openConflict for many causes in one statement; returns the conflicts it opened (not those
 * refreshed, nor those a dismissal holds). `elsewhere`: in another organization's ledger (a verification's consequences),
 * whose audit events then name a system actor and no request id, as every cross-organization event.
 */
export async function openConflicts(
  m: MutationScope,
  specs: ConflictSpec[],
  elsewhere?: { organizationId: string; actor: `system:${string}` },
): Promise<Conflict[]> {
  // ON CONFLICT cannot change a row twice in one statement: one spec per cause, the last one's details winning as with successive openConflict calls.
  const unique = [...new Map(specs.map((spec) => [`${spec.kind}:${spec.causeKey}`, spec])).values()];
  const who = elsewhere ? { actor: elsewhere.actor, action: m.action, requestId: null } : m;
  const written = await new ConflictStore(m.db).upsertOpen(
    elsewhere?.organizationId ?? m.organizationId,
    unique,
    who,
    'openConflicts',
  );
  return written.filter((row) => row.opened).map((row) => row.conflict);
}

/** Closes the selected OPEN conflicts as RESOLVED by the scope's action (rule R7 for resyncs), each with its audit event. */
export function resolveConflicts(m: MutationScope, selector: ConflictSelector): Promise<Conflict[]> {
  return new ConflictStore(m.db).resolve(m.organizationId, selector, m);
}

/** Records a remediation step taken on the selected OPEN conflicts, which stay open (no status change, no event). */
export function noteAction(m: MutationScope, selector: ConflictSelector): Promise<Conflict[]> {
  return new ConflictStore(m.db).noteAction(m.organizationId, selector, m.action);
}

/**
 * A claim settles UNMANAGED_ACCOUNT conflicts, except where a SCIM record waits on the account:
 * those close when the record links and syncs (rule R7), and only record the step here. Returns
 * the ones it resolved, each with its audit event.
 */
export function settleUnmanagedConflicts(m: MutationScope, accountIds: string[]): Promise<Conflict[]> {
  return new ConflictStore(m.db).settleUnmanaged(m.organizationId, accountIds, m);
}
