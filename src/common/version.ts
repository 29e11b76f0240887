import { CommonErrorCode, userError, type UserError } from './user-error';

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
