/** The face of scim/: what the rest of src/ imports from it. Other folders import scim/ only through this file. */
export { emailTakenDetail, primaryEmail, recordPush, snapshot, userNameTakenDetail } from './desired-user';
export type { DesiredUser } from './desired-user';
export { parseFilter } from './filter';
export { applyPatch, GROUP_PATCH_OPTIONS, USER_PATCH_OPTIONS } from './patch';
export { waitOf } from './record-wait';
export { CANONICAL_NAMES, schemaAttribute, SCHEMAS } from './resource-schemas';
export { nextRetryAt } from './retry-policy';
export { SCHEMA } from './schema-urns';
export { ScimError } from './scim-error';
export type { ScimOutcome } from './scim-error';
export { ScimGroup, ScimGroupMember } from './scim-group.entity';
export { createScimGroupLoaders } from './scim-group.loaders';
export { lockGroup, memberIdsOf, scimGroupMutations, ScimGroupQueries } from './scim-group.service';
export type { DesiredGroup, GroupMemberRef, GroupOutcome } from './scim-group.service';
export { ScimPush } from './scim-push.entity';
export { ScimRecord } from './scim-record.entity';
export type { AcceptedState, ScimEmail } from './scim-record.entity';
export { PushOutcome, RecordWait, ScimOperation, SyncStatus } from './scim-record.enums';
export { ScimPushFilter, ScimRecordFilter } from './scim-record.inputs';
export {
  linkedDirectoryNames,
  lockCurrentRecord,
  lockUser,
  recordIdInDirectory,
  ScimRecordQueries,
  ScimRecordService,
} from './scim-record.service';
export { ScimRecordStore } from './scim-record.store';
export type { RecordState, RecordSyncState } from './scim-record.store';
export { ScimErrorCode } from './scim.errors';
export { createScimLoaders } from './scim.loaders';
