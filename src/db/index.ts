/** The face of db/: what the rest of src/ imports from it. Other folders import db/ only through this file. */
export { nowDefault, oneOf, TimestampColumn } from './columns';
export { openDatabase } from './database';
export type { Database } from './database';
export { IdempotencyKey } from './idempotency-key.entity';
export { paginate } from './keyset';
export type { Keyset, Page } from './keyset';
export { as, one, queryBuilderFor, tag } from './kysely';
export { Precompiled } from './precompiled';
export type { Db, Queryable } from './kysely';
export { loaderById, loaderGrouped } from './loaders';
export {
  DATABASE_UNAVAILABLE_FOR_READ_MESSAGE,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  LostWriteRace,
  violatedUniqueConstraint,
} from './pg-errors';
export { withSavepoint } from './savepoint';
export { lockTenantRow, lockTenantRows } from './tenant-lock';
export { TenantRow, VersionedTenantRow } from './tenant-row';
export { expireIdempotencyKeys, runMutation } from './transaction';
export type { MutationRequest, MutationScope, Outcome, Payload } from './transaction';
