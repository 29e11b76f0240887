import { QueryFailedError } from 'typeorm';

interface DriverError {
  code?: string;
  constraint?: string;
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

/** Serialization failures and deadlocks: the whole transaction may simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = driverError(error)?.code;
  return code === '40001' || code === '40P01';
}
