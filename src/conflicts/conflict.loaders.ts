import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { Conflict } from './conflict.entity';
import type { ConflictStatus } from './conflict.enums';

type Related = 'account' | 'scimRecord' | 'directory';

export function createConflictLoaders(db: DataSource, organizationId: string) {
  const conflicts = (comment: string, status: ConflictStatus | undefined) => {
    const query = db
      .getRepository(Conflict)
      .createQueryBuilder('c')
      .comment(comment)
      .where('c.organizationId = :organizationId', { organizationId });
    if (status) query.andWhere('c.status = :status', { status });
    return query.orderBy('c.detectedAt', 'DESC').addOrderBy('c.id', 'DESC');
  };

  // Conflicts naming an account either way round (the record's account, or the one holding the email).
  const byRelated: Record<Related, (status?: ConflictStatus) => DataLoader<string, Conflict[]>> = {
    account: memoByStatus((status) =>
      loaderGrouped(
        (ids) =>
          conflicts('loader:conflictsByAccount', status)
            .andWhere('(c.accountId = ANY(:ids) OR c.conflictingAccountId = ANY(:ids))', { ids })
            .getMany(),
        (conflict) => [conflict.accountId, conflict.conflictingAccountId === conflict.accountId ? null : conflict.conflictingAccountId],
      ),
    ),
    scimRecord: memoByStatus((status) =>
      loaderGrouped(
        (ids) => conflicts('loader:conflictsByRecord', status).andWhere('c.scimRecordId = ANY(:ids)', { ids }).getMany(),
        (conflict) => [conflict.scimRecordId],
      ),
    ),
    directory: memoByStatus((status) =>
      loaderGrouped(
        (ids) => conflicts('loader:conflictsByDirectory', status).andWhere('c.directoryId = ANY(:ids)', { ids }).getMany(),
        (conflict) => [conflict.directoryId],
      ),
    ),
  };

  return {
    byId: loaderById((ids) => conflicts('loader:conflictById', undefined).andWhere('c.id = ANY(:ids)', { ids }).getMany()),
    byRelated,
  };
}

/** One loader per status filter, created on first use within the request. */
function memoByStatus(create: (status?: ConflictStatus) => DataLoader<string, Conflict[]>) {
  const loaders = new Map<string, DataLoader<string, Conflict[]>>();
  return (status?: ConflictStatus) => {
    const key = status ?? 'ANY';
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = create(status)));
    return loader;
  };
}

export type ConflictLoaders = ReturnType<typeof createConflictLoaders>;
