import type { DataSource } from 'typeorm';
import { queryBuilderFor, loaderById, loaderGrouped } from '../db';
import { ScimRecordStore } from './scim-record.store';

export function createScimLoaders(db: DataSource, organizationId: string) {
  const store = new ScimRecordStore(queryBuilderFor(db));
  return {
    recordById: loaderById((ids) => store.byIds(ids, organizationId)),
    recordsByAccount: loaderGrouped(
      (accountIds) => store.byAccounts(accountIds, organizationId),
      (record) => [record.accountId],
    ),
    pushesByRecord: loaderGrouped(
      (recordIds) => store.pushesOf(recordIds, organizationId),
      (push) => [push.scimRecordId],
    ),
  };
}
