import { sql } from 'kysely';
import type { Db } from './kysely';

let counter = 0;

/**
 * Runs `fn` so that if it fails only its own statements are undone and the transaction (the one
 * `db` is bound to) stays usable: how a unique violation becomes a refusal instead of an aborted
 * transaction.
 */
export async function withSavepoint<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const name = sql.raw(`sp_${++counter}`);
  await sql`SAVEPOINT ${name}`.execute(db);
  try {
    const result = await fn();
    await sql`RELEASE SAVEPOINT ${name}`.execute(db);
    return result;
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(db);
    throw error;
  }
}
