import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { isUuid } from '../common/ids';
import type { UserError } from '../common/user-error';
import { staleVersion, type Locked } from '../common/version';
import { selectRows } from './statements';

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
async function lockRow<T extends Versioned>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  organizationId: string,
  id: string,
  comment: string,
): Promise<T | null> {
  if (!isUuid(id)) return null;
  const [row = null] = await selectRows(tx, entity, comment, 'id = $1 AND organization_id = $2', [id, organizationId], {
    lock: true,
  });
  return row;
}

/**
 * How a mutation of one versioned row starts: lockRow (labelled with the action), then
 * `notFound` when the row is absent, or VERSION_CONFLICT when `expectedVersion` is stale.
 */
export async function lockCurrent<T extends Versioned>(
  scope: { tx: EntityManager; organizationId: string; action: string },
  entity: EntityTarget<T>,
  id: string,
  expectedVersion: number | null | undefined,
  notFound: UserError,
): Promise<Locked<T>> {
  const row = await lockRow(scope.tx, entity, scope.organizationId, id, scope.action);
  if (!row) return { row: null, refusal: notFound };
  const stale = staleVersion(expectedVersion, row);
  return stale ? { row, refusal: stale } : { row, refusal: null };
}

/** Applies changes to a locked row, bumping its version; returns the row as it now is. */
export async function updateRow<T extends Versioned>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  row: T,
  changes: Partial<T>,
): Promise<T> {
  const result = await tx
    .createQueryBuilder()
    .update(entity)
    .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
    .where('id = :id', { id: row.id })
    // Property names: TypeORM 1.x silently drops a column name here (updated_at came back undefined).
    .returning(['version', 'updatedAt'])
    .execute();
  const [{ version, updated_at: updatedAt }] = result.raw as Array<{ version: number; updated_at: Date }>;
  return Object.assign(row, changes, { version, updatedAt });
}
