import { CommonErrorCode, notFoundError, userError, type UserError } from './user-error';

/** A locked row, or why the mutation stops before looking at it (with the row when there is one). */
export type Locked<T> = { row: T; refusal: null } | { row: T | null; refusal: UserError };

/** Optimistic concurrency: the caller's expectedVersion must still be the row's version. */
export function staleVersion(expected: number | null | undefined, row: { version: number }): UserError | null {
  if (expected === null || expected === undefined || expected === row.version) return null;
  return userError(
    CommonErrorCode.VERSION_CONFLICT,
    `The object changed since you read it (your version ${expected}, now ${row.version}); read it again and retry.`,
    'expectedVersion',
  );
}

/**
 * How a mutation of one row goes on after locking it: NOT_FOUND (naming `what` and the argument
 * `field`) when the row is absent, VERSION_CONFLICT when the caller's expectedVersion is stale.
 */
export function lockedAsExpected<T extends { version: number }>(
  row: T | null,
  expectedVersion: number | null | undefined,
  what: string,
  field: string,
): Locked<T> {
  if (!row) return { row: null, refusal: notFoundError(what, field) };
  const stale = staleVersion(expectedVersion, row);
  return stale ? { row, refusal: stale } : { row, refusal: null };
}
