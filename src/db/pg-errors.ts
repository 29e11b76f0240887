import { QueryFailedError } from 'typeorm';

interface DriverError {
  code?: string;
  constraint?: string;
  message?: string;
}

function driverError(error: unknown): DriverError | undefined {
  if (error instanceof QueryFailedError) return (error as QueryFailedError & { driverError: DriverError }).driverError;
  if (error && typeof error === 'object' && 'code' in error) return error as DriverError;
  return undefined;
}

/** The named unique constraint a statement violated (SQLSTATE 23505), if that is what failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const driver = driverError(error);
  return driver?.code === '23505' ? driver.constraint : undefined;
}

/**
 * A named statement whose cached plan no longer fits its result's shape: a migration changed a
 * table it returns whole while this process served. Parsed anew under another name, it runs (see
 * db/kysely.ts), so the transaction may be run again.
 */
export function isStaleCachedPlan(error: unknown): boolean {
  const driver = driverError(error);
  return driver?.code === '0A000' && /cached plan must not change result type/.test(driver.message ?? '');
}

/**
 * Thrown by a write that found a concurrent transaction had taken its row's unique key first (an
 * insert's ON CONFLICT DO NOTHING wrote nothing): run again, the transaction reads the winner's
 * committed row, as a serialization failure would have it do.
 */
export class LostWriteRace extends Error {
  constructor(what: string) {
    super(`A concurrent transaction wrote ${what} first`);
    this.name = 'LostWriteRace';
  }
}

/** Serialization failures and deadlocks (and stale cached plans, and lost write races): the whole transaction may simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = driverError(error)?.code;
  return code === '40001' || code === '40P01' || isStaleCachedPlan(error) || error instanceof LostWriteRace;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i;

/** What a client hears when the database is unavailable: the change was rolled back, or (lost during COMMIT) its fate is unknown. */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unreachable right now and the change was not confirmed; retry shortly';

/** The same for a read: nothing was changed, so asking again is all there is to do. */
export const DATABASE_UNAVAILABLE_FOR_READ_MESSAGE = 'The database is unreachable right now; retry shortly.';

/** The database could not be reached or dropped the connection: a retry later may well succeed. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as {
      code?: string;
      message?: string;
      driverError?: unknown;
      originalError?: unknown;
      cause?: unknown;
    };
    if (
      (candidate.code && CONNECTION_CODES.has(candidate.code)) ||
      (candidate.message && CONNECTION_MESSAGES.test(candidate.message))
    )
      return true;
    current = candidate.driverError ?? candidate.originalError ?? candidate.cause;
  }
  return false;
}
