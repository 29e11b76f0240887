import type { DataSource } from 'typeorm';
import { queryBuilderFor, type Page, type MutationScope } from '../db';
import { CommonErrorCode, notFoundError, present, userError, type UserError, lockedAsExpected } from '../common';
import type { Conflict } from './conflict.entity';
import { ConflictStatus } from './conflict.enums';
import { ConflictErrorCode } from './conflict.errors';
import { detectConflicts, type DetectionResult } from './conflict-detection';
import type { ConflictFilter } from './conflict.inputs';
import { ConflictStore } from './conflict.store';

export class ConflictService {
  constructor(private readonly db: DataSource) {}

  list(
    organizationId: string,
    filter: ConflictFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<Conflict>> {
    return new ConflictStore(queryBuilderFor(this.db)).page(organizationId, filter, page);
  }
}

/** At most this many conflicts per dismissConflicts call. */
export const MAX_BULK_DISMISS = 500;

export type DismissManyOutcome =
  { kind: 'dismissed'; conflicts: Conflict[] } | { kind: 'refused'; errors: UserError[] };

export type ConflictOutcome =
  | { kind: 'dismissed'; conflict: Conflict }
  | { kind: 'detected'; result: DetectionResult }
  | { kind: 'refused'; error: UserError; conflict?: Conflict | null };

/**
 * Closes locked OPEN conflicts as DISMISSED, whether one or hundreds, in a constant number of
 * statements: one UPDATE, and one audit event per conflict (in the order given), which the
 * runner writes at commit in one INSERT whose trigger queues their conflict.dismissed webhooks.
 */
async function closeAsDismissed(m: MutationScope, store: ConflictStore, conflicts: Conflict[], reason: string) {
  const change = { closedBy: m.actor, dismissReason: reason, resolution: m.action };
  const ids = conflicts.map((conflict) => conflict.id);
  const closed = new Map((await store.dismiss(ids, change)).map((row) => [row.id, row]));
  for (const conflict of conflicts) {
    const row = present(closed.get(conflict.id), `the dismissed conflict ${conflict.id}`);
    Object.assign(conflict, change, { status: ConflictStatus.DISMISSED }, row);
    await m.audit({
      targetType: 'Conflict',
      targetId: conflict.id,
      before: { kind: conflict.kind, status: ConflictStatus.OPEN },
      after: { kind: conflict.kind, status: conflict.status, resolution: conflict.resolution, reason },
    });
  }
}

export const conflictMutations = {
  /** Closes an OPEN conflict that needs no fix, saying why; it can be raised again if its cause persists. */
  async dismiss(
    m: MutationScope,
    input: { id: string; reason: string; expectedVersion?: number | null },
  ): Promise<ConflictOutcome> {
    const reason = input.reason.trim();
    if (reason.length === 0 || reason.length > 500) {
      return {
        kind: 'refused',
        error: userError(CommonErrorCode.INVALID_INPUT, 'Give a reason of 1 to 500 characters.', 'reason'),
      };
    }
    const store = new ConflictStore(m.db);
    const locked = lockedAsExpected(
      await store.lock(m.organizationId, input.id, m.action),
      input.expectedVersion,
      'conflict',
      'id',
    );
    if (locked.refusal) return { kind: 'refused', error: locked.refusal, conflict: locked.row };
    const conflict = locked.row;
    if (conflict.status !== ConflictStatus.OPEN) {
      return {
        kind: 'refused',
        error: userError(ConflictErrorCode.CONFLICT_NOT_OPEN, `The conflict is already ${conflict.status}.`, 'id'),
        conflict,
      };
    }
    await closeAsDismissed(m, store, [conflict], reason);
    return { kind: 'dismissed', conflict };
  },

  /**
   * dismiss for many OPEN conflicts, all or none: every refusal is listed, one per conflict at
   * fault (field ids.N: NOT_FOUND, CONFLICT_NOT_OPEN, INVALID_INPUT when listed twice), and then
   * nothing changes. Each dismissed conflict gets its own audit event, as dismiss writes it.
   */
  async dismissMany(m: MutationScope, input: { ids: string[]; reason: string }): Promise<DismissManyOutcome> {
    const reason = input.reason.trim();
    const errors: UserError[] = [];
    if (input.ids.length === 0 || input.ids.length > MAX_BULK_DISMISS)
      errors.push(
        userError(CommonErrorCode.INVALID_INPUT, `Give between 1 and ${MAX_BULK_DISMISS} conflict ids.`, 'ids'),
      );
    if (reason.length === 0 || reason.length > 500)
      errors.push(userError(CommonErrorCode.INVALID_INPUT, 'Give a reason of 1 to 500 characters.', 'reason'));
    if (errors.length > 0) return { kind: 'refused', errors };

    const store = new ConflictStore(m.db);
    const byId = new Map(
      (await store.lockMany(m.organizationId, input.ids, m.action)).map((conflict) => [conflict.id, conflict]),
    );
    const seen = new Set<string>();
    const chosen: Conflict[] = [];
    input.ids.forEach((id, i) => {
      const field = `ids.${i}`;
      const conflict = byId.get(id.toLowerCase());
      if (!conflict) return void errors.push(notFoundError('conflict', field));
      if (seen.has(conflict.id)) {
        return void errors.push(
          userError(CommonErrorCode.INVALID_INPUT, 'The conflict is listed more than once.', field),
        );
      }
      seen.add(conflict.id);
      if (conflict.status !== ConflictStatus.OPEN) {
        return void errors.push(
          userError(ConflictErrorCode.CONFLICT_NOT_OPEN, `The conflict is already ${conflict.status}.`, field),
        );
      }
      chosen.push(conflict);
    });
    if (errors.length > 0) return { kind: 'refused', errors };

    await closeAsDismissed(m, store, chosen, reason);
    return { kind: 'dismissed', conflicts: chosen };
  },

  async detect(m: MutationScope): Promise<ConflictOutcome> {
    const result = await detectConflicts(m);
    const count = (conflicts: Conflict[]) =>
      conflicts.reduce<Record<string, number>>(
        (byKind, conflict) => ({ ...byKind, [conflict.kind]: (byKind[conflict.kind] ?? 0) + 1 }),
        {},
      );
    if (result.opened.length + result.resolved.length > 0) {
      await m.audit({
        targetType: 'Organization',
        targetId: m.organizationId,
        before: null,
        after: { opened: count(result.opened), resolved: count(result.resolved) },
      });
    }
    return { kind: 'detected', result };
  },
};
