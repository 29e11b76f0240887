import type { DataSource } from 'typeorm';
import { Conditions, paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common/user-error';
import { lockCurrent, updateRow } from '../db/rows';
import type { MutationScope } from '../db/transaction';
import { Conflict } from './conflict.entity';
import { ConflictStatus } from './conflict.enums';
import { ConflictErrorCode } from './conflict.errors';
import { detectConflicts, type DetectionResult } from './conflict-detection';
import type { ConflictFilter } from './conflict.inputs';

/** Newest first: the portal's queue shows what just broke at the top. */
const CONFLICT_KEYSET: Keyset<Conflict> = {
  scope: 'conflicts',
  direction: 'DESC',
  keys: [
    { property: 'detectedAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

export class ConflictService {
  constructor(private readonly db: DataSource) {}

  list(
    organizationId: string,
    filter: ConflictFilter = {},
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<Conflict>> {
    const where = new Conditions().and('organization_id = ?', organizationId);
    if (filter.kind) where.and('kind = ?', filter.kind);
    if (filter.status) where.and('status = ?', filter.status);
    if (filter.directoryId != null) {
      if (isUuid(filter.directoryId)) where.and('directory_id = ?', filter.directoryId);
      else where.and('false');
    }
    return paginate(this.db, Conflict, { comment: 'conflicts', where, keyset: CONFLICT_KEYSET }, page);
  }
}

export type ConflictOutcome =
  | { kind: 'dismissed'; conflict: Conflict }
  | { kind: 'detected'; result: DetectionResult }
  | { kind: 'refused'; error: UserError; conflict?: Conflict | null };

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
    const { row: conflict, refusal } = await lockCurrent(
      m,
      Conflict,
      input.id,
      input.expectedVersion,
      notFoundError('conflict', 'id'),
    );
    if (refusal) return { kind: 'refused', error: refusal, conflict };
    if (conflict.status !== ConflictStatus.OPEN) {
      return {
        kind: 'refused',
        error: userError(ConflictErrorCode.CONFLICT_NOT_OPEN, `The conflict is already ${conflict.status}.`, 'id'),
        conflict,
      };
    }
    await updateRow(m.tx, Conflict, conflict, {
      status: ConflictStatus.DISMISSED,
      closedAt: new Date(),
      closedBy: m.actor,
      dismissReason: reason,
      resolution: m.action,
      actionsTaken: [...conflict.actionsTaken, m.action],
    });
    await m.audit({
      targetType: 'Conflict',
      targetId: conflict.id,
      before: { kind: conflict.kind, status: ConflictStatus.OPEN },
      after: { kind: conflict.kind, status: conflict.status, resolution: conflict.resolution, reason },
    });
    return { kind: 'dismissed', conflict };
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
