/** The face of common/: what the rest of src/ imports from it. Other folders import common/ only through this file. */
export { assertNever } from './assert-never';
export { backoffMs } from './backoff';
export { badUserInput, forbidden, graphQLError, unauthenticated } from './errors';
export { isUuid } from './ids';
export { Change, MutationOptions, MutationPayload } from './mutation';
export type { BlankPayload, PayloadFields, PayloadType } from './mutation';
export { ConnectionType, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs } from './pagination';
export type { Page } from './pagination';
export { PeriodicTask } from './periodic-task';
export { present } from './present';
export { escapeLike } from './sql';
export { ExpiringMap } from './expiring-map';
export { CommonErrorCode, notFoundError, registerUserErrorCodes, userError, UserError } from './user-error';
export type { UserErrorCode } from './user-error';
export { lockedAsExpected, staleVersion } from './version';
export type { Locked } from './version';
