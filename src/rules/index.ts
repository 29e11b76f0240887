/**
 * Rules R1-R8, one file each: a rule's data, its per-change check (`evaluate`, the guard of
 * mutations and SCIM pushes), its set-based detectors (the conflicts the rescan opens) and its
 * findings (the governance report), side by side. This is the registry.
 */
import { R1 } from './r1-idp-managed';
import { R2 } from './r2-mappings-agree';
import { R3 } from './r3-verified-domains';
import { R4 } from './r4-migrations-ready';
import { R5 } from './r5-stale-accounts';
import { R6 } from './r6-rename-keeps-data';
import { R7 } from './r7-resync-resolves';
import { R8 } from './r8-verified-domain-addresses';
import { detectionSet, type ConflictDetector } from './rule';

export { R1, R2, R3, R4, R5, R6, R8 };
export type { Party, R8Facts } from './r8-verified-domain-addresses';
export {
  Finding,
  CHANGED_SUBJECTS,
  SUBJECT_CAUSE_KEYS,
  check,
  detectionSet,
  subjectCtes,
  subjectIdsOf,
  type ChangedSubjects,
  type SubjectIds,
  refusalOf,
  violationOf,
  type ConflictDetector,
  type DomainFacts,
} from './rule';

export const RULES = [R1, R2, R3, R4, R5, R6, R7, R8] as const;

/** Every rule's conflict detectors: what the rescan opens, and the only conflicts it keeps open. */
export const DETECTORS: readonly ConflictDetector[] = RULES.flatMap((rule) => rule.detectors);

/** Every conflict the organization's state implies under all rules, as one query (see rule.ts). */
export const allDetected = (organizationId: string) => detectionSet(organizationId, DETECTORS);
export { ConflictKind } from './kinds';
export { buildGovernanceReport, GovernanceReport } from './report';
export { formatSummary, NOT_AVAILABLE, SUMMARY_TEMPLATES } from './summaries';
