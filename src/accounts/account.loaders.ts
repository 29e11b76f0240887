import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';

export function createAccountLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) =>
      db
        .getRepository(Account)
        .createQueryBuilder('a')
        .comment('loader:accountById')
        .where('a.id = ANY(:ids)', { ids })
        .andWhere('a.organizationId = :organizationId', { organizationId })
        .getMany(),
    ),
    emailHistory: loaderGrouped(
      (accountIds) =>
        db
          .getRepository(AccountEmailChange)
          .createQueryBuilder('h')
          .comment('loader:emailHistoryByAccount')
          .where('h.accountId = ANY(:accountIds)', { accountIds })
          .andWhere('h.organizationId = :organizationId', { organizationId })
          .orderBy('h.changedAt', 'DESC')
          .addOrderBy('h.id', 'DESC')
          .getMany(),
      (change) => [change.accountId],
    ),
  };
}

export type AccountLoaders = ReturnType<typeof createAccountLoaders>;
