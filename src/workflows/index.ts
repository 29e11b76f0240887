/** The face of workflows/: what the rest of src/ imports from it. Other folders import workflows/ only through this file. */
export { accountChanges, suspendAccounts } from './account-changes';
export type { AccountOutcome } from './account-changes';
export { claimAccounts, claimDomain } from './claims';
export { directoryMutations } from './directories';
export type { DirectoryOutcome } from './directories';
export { endDomainMigration, startDomainMigration } from './domain-migrations';
export type { MigrationOutcome } from './domain-migrations';
export { addDomain, verifyDomain } from './domain-verification';
export {
  lockUserForReplace,
  MAX_BULK_RESYNC,
  provisionUser,
  replaceUser,
  resyncRecord,
  resyncRecords,
  updateUser,
} from './provisioning';
export type { PushResult, SyncOutcome } from './provisioning';
export { removeLocked, scimRecordMutations } from './records';
export type { RecordOutcome } from './records';
export { RETRY_ACTOR, RetryWorker } from './retry-worker';
