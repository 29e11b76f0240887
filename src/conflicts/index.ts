/**
 * The conflicts feature's face: what other folders may import. The ledger (open, resolve, note,
 * settle) for the per-change paths of other features, the rules' reconcile and rescan, the
 * queue's reads (service, loaders) and the summaries' templates.
 */
export { Conflict } from './conflict.entity';
export { ConflictKind, ConflictStatus } from './conflict.enums';
export {
  causeKey,
  noteAction,
  openConflict,
  openConflicts,
  resolveConflicts,
  settleUnmanagedConflicts,
  type ConflictSpec,
} from './conflict.ledger';
export { reconcileConflicts, reconcileDomain, reconcileKinds } from './conflict-detection';
export { ConflictService, conflictMutations, type ConflictOutcome } from './conflict.service';
export { createConflictLoaders } from './conflict.loaders';
export { CONFLICT_KEYSET, CONFLICT_RELATION_COLUMNS, conflictList, placeholdersInUseOf } from './conflict.store';
export { REMEDIATION_FACT_KINDS, RemediationStep, remediationFor, type RemediationFacts } from './remediation';
export { ConflictFilter } from './conflict.inputs';
export { MAX_BULK_DISMISS } from './conflict.service';
