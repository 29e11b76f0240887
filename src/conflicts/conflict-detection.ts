import type { MutationScope } from '../db/transaction';
import { allDetected } from '../rules';
import type { Conflict } from './conflict.entity';
import { ConflictStore } from './conflict.store';

export interface DetectionResult {
  opened: Conflict[];
  resolved: Conflict[];
}

/**
 * Rescans an organization: opens what its state implies under every rule (each rule's set-based
 * detectors, rules/) and is not open yet, and resolves open conflicts whose cause is gone (rule
 * R7's set-based side), each change with its audit event. One statement whatever the size
 * (data-modifying CTEs over one snapshot); the partial unique index keeps it idempotent.
 */
export function detectConflicts(m: MutationScope): Promise<DetectionResult> {
  return new ConflictStore(m.db).rescan(m.organizationId, allDetected(m.organizationId), m);
}
