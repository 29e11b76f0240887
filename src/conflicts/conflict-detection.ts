import type { MutationScope } from '../db';
import {
  CHANGED_SUBJECTS,
  DETECTORS,
  SUBJECT_CAUSE_KEYS,
  allDetected,
  detectionSet,
  subjectCtes,
  subjectIdsOf,
  type ChangedSubjects,
  type SubjectIds,
} from '../rules';
import { Precompiled } from '../db';
import type { Conflict } from './conflict.entity';
import type { ConflictKind } from './conflict.enums';
import { ConflictStore, rescanStatement, type ConflictActor, type RescanRow } from './conflict.store';

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

/**
 * The rescan of some kinds only, as the per-change path of a change that moves many conflicts
 * at once (a domain's status): the rules' own detectors decide, so the change and a later rescan
 * cannot disagree. `elsewhere`: in another organization's ledger, its events by a system actor.
 */
export function reconcileKinds(
  m: MutationScope,
  kinds: readonly ConflictKind[],
  elsewhere?: { organizationId: string; actor: `system:${string}` },
): Promise<DetectionResult> {
  const organizationId = elsewhere?.organizationId ?? m.organizationId;
  const who = elsewhere ? { actor: elsewhere.actor, action: m.action, requestId: null } : m;
  return new ConflictStore(m.db).rescan(organizationId, detectionSet(organizationId, detectorsOf(kinds)), who, kinds);
}

/**
 * The per-change path of every rule at once: after a change to some accounts, records,
 * directories or addresses, opens what the rules' detectors find for the causes of those subjects
 * (and of those next to them) and resolves their open conflicts the detectors no longer find. The
 * same detectors as the rescan, restricted to the change, so the two cannot disagree.
 */
export function reconcileConflicts(
  m: MutationScope,
  changed: ChangedSubjects,
  /** Only these kinds: what the change can move (all when absent). */
  kinds?: readonly ConflictKind[],
): Promise<DetectionResult> {
  const { organizationId, actor, action, requestId } = m;
  return new ConflictStore(m.db).reconcile(reconcileStatement(kinds), {
    ...subjectIdsOf(changed),
    organizationId,
    actor,
    action,
    requestId,
  });
}

const detectorsOf = (kinds: readonly ConflictKind[]) => DETECTORS.filter((detector) => kinds.includes(detector.kind));

type ReconcileArgs = SubjectIds & ConflictActor & { organizationId: string };

/** The reconcile of each set of kinds, compiled on first use: a process runs a handful of shapes. */
const reconcileStatements = new Map<string, Precompiled<ReconcileArgs, RescanRow>>();

function reconcileStatement(kinds: readonly ConflictKind[] | undefined): Precompiled<ReconcileArgs, RescanRow> {
  const shape = kinds ? [...kinds].sort().join(',') : '*';
  let statement = reconcileStatements.get(shape);
  if (!statement) {
    const detectors = kinds ? detectorsOf(kinds) : DETECTORS;
    statement = new Precompiled((args) =>
      rescanStatement(args.organizationId, detectionSet(args.organizationId, detectors, CHANGED_SUBJECTS), args, {
        ctes: subjectCtes(args.organizationId, args),
        causeKeys: SUBJECT_CAUSE_KEYS,
        // Always named: the open conflicts to resolve are then found by the open-cause index.
        kinds: kinds ?? [...new Set(DETECTORS.map((detector) => detector.kind))],
      }),
    );
    reconcileStatements.set(shape, statement);
  }
  return statement;
}

/**
 * After a domain's status changed (verified, superseded, proof gone): the kinds its status
 * decides, reconciled in the organization and in every other organization with accounts or open
 * conflicts on the name (those events by a system actor, as every cross-organization event).
 */
export async function reconcileDomain(
  m: MutationScope,
  domainName: string,
  kinds: readonly ConflictKind[],
  actor: `system:${string}`,
): Promise<void> {
  await reconcileKinds(m, kinds);
  for (const organizationId of await new ConflictStore(m.db).organizationsOnDomain(m.organizationId, domainName)) {
    await reconcileKinds(m, kinds, { organizationId, actor });
  }
}
