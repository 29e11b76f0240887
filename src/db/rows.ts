import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { isUuid } from '../common/ids';
import { CommonErrorCode, userError, type UserError } from '../common/user-error';

interface Versioned extends ObjectLiteral {
  id: string;
  organizationId: string;
  version: number;
  updatedAt?: Date;
}

/**
 * Reads a row of the caller's organization and locks it until the transaction ends, so the rule
 * checks that follow see what the write will change. Another organization's id reads as absent.
 */
export function lockRow<T extends Versioned>(tx: EntityManager, entity: EntityTarget<T>, organizationId: string, id: string, comment: string): Promise<T | null> {
  if (!isUuid(id)) return Promise.resolve(null);
  return tx
    .getRepository(entity)
    .createQueryBuilder('row')
    .comment(comment)
    .setLock('pessimistic_write')
    .where('row.id = :id', { id })
    .andWhere('row.organizationId = :organizationId', { organizationId })
    .getOne();
}

/** Optimistic concurrency: the caller's expectedVersion must still be the row's version. */
export function staleVersion(expected: number | null | undefined, row: { version: number }): UserError | null {
  if (expected === null || expected === undefined || expected === row.version) return null;
  return userError(
    CommonErrorCode.VERSION_CONFLICT,
    `The object changed since you read it (your version ${expected}, now ${row.version}); read it again and retry.`,
    'expectedVersion',
  );
}

/** Applies changes to a locked row, bumping its version; returns the row as it now is. */
export async function updateRow<T extends Versioned>(tx: EntityManager, entity: EntityTarget<T>, row: T, changes: Partial<T>): Promise<T> {
  const result = await tx
    .createQueryBuilder()
    .update(entity)
    .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' } as never)
    .where('id = :id', { id: row.id })
    // Property names: TypeORM 1.x silently drops a column name here (updated_at came back undefined).
    .returning(['version', 'updatedAt'])
    .execute();
  const [{ version, updated_at: updatedAt }] = result.raw as Array<{ version: number; updated_at: Date }>;
  return Object.assign(row, changes, { version, updatedAt });
}
