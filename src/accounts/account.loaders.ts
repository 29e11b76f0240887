import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { selectRows } from '../db/statements';
import { Account } from './account.entity';
import { AccountEmailChange } from './account-email-change.entity';

export function createAccountLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) =>
      selectRows(db, Account, 'loader:accountById', 'id = ANY($1::uuid[]) AND organization_id = $2', [
        ids,
        organizationId,
      ]),
    ),
    emailHistory: loaderGrouped(
      (accountIds) =>
        selectRows(
          db,
          AccountEmailChange,
          'loader:emailHistoryByAccount',
          'account_id = ANY($1::uuid[]) AND organization_id = $2',
          [accountIds, organizationId],
          { orderBy: 'changed_at DESC, id DESC' },
        ),
      (change) => [change.accountId],
    ),
  };
}
