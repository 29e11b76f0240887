import type { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { isUuid } from '../common/ids';
import { selectRows } from '../db/statements';
import type { Directory } from '../directories/directory.entity';

/**
 * A row of this directory (a User's record, a Group), optionally locked until the transaction
 * ends; null for any other id, so another directory's or organization's row reads as absent.
 */
export async function directoryRow<T extends { id: string; organizationId: string; directoryId: string }>(
  db: DataSource | EntityManager,
  entity: EntityTarget<T>,
  directory: Directory,
  id: string,
  options: { comment: string; lock?: boolean },
): Promise<T | null> {
  // Anything but a UUID would be a cast error in Postgres, not a 404.
  if (!isUuid(id)) return null;
  const [row = null] = await selectRows(
    db,
    entity,
    options.comment,
    'id = $1 AND organization_id = $2 AND directory_id = $3',
    [id, directory.organizationId, directory.id],
    {
      lock: options.lock,
    },
  );
  return row;
}
