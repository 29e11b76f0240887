import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { ScimRecord } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';

export function createScimLoaders(db: DataSource, organizationId: string) {
  const records = (comment: string) =>
    db.getRepository(ScimRecord).createQueryBuilder('r').comment(comment).where('r.organizationId = :organizationId', { organizationId });
  return {
    recordById: loaderById((ids) => records('loader:scimRecordById').andWhere('r.id = ANY(:ids)', { ids }).getMany()),
    recordsByAccount: loaderGrouped(
      (accountIds) =>
        records('loader:scimRecordsByAccount').andWhere('r.accountId = ANY(:accountIds)', { accountIds }).orderBy('r.createdAt').getMany(),
      (record) => [record.accountId],
    ),
    pushesByRecord: loaderGrouped(
      (recordIds) =>
        db
          .getRepository(ScimPush)
          .createQueryBuilder('p')
          .comment('loader:pushesByRecord')
          .where('p.scimRecordId = ANY(:recordIds)', { recordIds })
          .andWhere('p.organizationId = :organizationId', { organizationId })
          .orderBy('p.id', 'DESC')
          .getMany(),
      (push) => [push.scimRecordId],
    ),
  };
}

export type ScimLoaders = ReturnType<typeof createScimLoaders>;
