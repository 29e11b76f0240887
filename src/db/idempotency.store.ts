import { sql, type Generated } from 'kysely';
import { tag, type Db } from './kysely';

/** The `idempotency_key` table: a mutation's key, its request hash, and the answer replayed on repeats. */
interface IdempotencyKeyTable {
  organizationId: string;
  key: string;
  operation: string;
  requestHash: string;
  response: unknown;
  createdAt: Generated<Date>;
}

declare module './kysely' {
  interface Tables {
    idempotencyKey: IdempotencyKeyTable;
  }
}

/** Every statement on idempotency keys (the mutation runner's). */
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  /**
   * Inserts the key: true when this transaction now holds it. A concurrent holder makes it wait on
   * the unique index until that one commits or rolls back.
   */
  async claim(organizationId: string, key: string, operation: string, requestHash: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('idempotencyKey')
      .values({ organizationId, key, operation, requestHash })
      .onConflict((conflict) => conflict.doNothing())
      .returning('key')
      .modifyEnd(tag('idempotency:claim'))
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** What the key's first request stored: its hash, and its answer (null until it committed one). */
  async stored(organizationId: string, key: string): Promise<{ requestHash: string; response: unknown } | null> {
    const row = await this.db
      .selectFrom('idempotencyKey')
      .select(['requestHash', 'response'])
      .where('organizationId', '=', organizationId)
      .where('key', '=', key)
      .modifyEnd(tag('idempotency:stored'))
      .executeTakeFirst();
    return row ?? null;
  }

  /** Keeps the answer to replay (a JSON object: the runner's stored form of the payload). */
  async saveResponse(organizationId: string, key: string, response: object): Promise<void> {
    await this.db
      .updateTable('idempotencyKey')
      .set({ response })
      .where('organizationId', '=', organizationId)
      .where('key', '=', key)
      .modifyEnd(tag('idempotency:save'))
      .execute();
  }

  /** Forgets keys older than the time to live. */
  async expire(ttlHours: number): Promise<void> {
    await this.db
      .deleteFrom('idempotencyKey')
      .where('createdAt', '<', sql<Date>`now() - make_interval(hours => ${ttlHours})`)
      .modifyEnd(tag('expireIdempotencyKeys'))
      .execute();
  }
}
