import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped } from '../db/loaders';
import { selectRows } from '../db/statements';
import { ScimRecord } from './scim-record.entity';
import { ScimPush } from './scim-push.entity';

/** The IdP's raw payload and email list are SCIM's business; GraphQL reads the columns. */
export const HEAVY: Array<keyof ScimRecord> = ['rawPayload', 'emails'];

export function createScimLoaders(db: DataSource, organizationId: string) {
  return {
    recordById: loaderById((ids) =>
      selectRows(
        db,
        ScimRecord,
        'loader:scimRecordById',
        'id = ANY($1::uuid[]) AND organization_id = $2',
        [ids, organizationId],
        { exclude: HEAVY },
      ),
    ),
    recordsByAccount: loaderGrouped(
      (accountIds) =>
        selectRows(
          db,
          ScimRecord,
          'loader:scimRecordsByAccount',
          'account_id = ANY($1::uuid[]) AND organization_id = $2',
          [accountIds, organizationId],
          { orderBy: 'created_at', exclude: HEAVY },
        ),
      (record) => [record.accountId],
    ),
    pushesByRecord: loaderGrouped(
      (recordIds) =>
        selectRows(
          db,
          ScimPush,
          'loader:pushesByRecord',
          'scim_record_id = ANY($1::uuid[]) AND organization_id = $2',
          [recordIds, organizationId],
          { orderBy: 'id DESC' },
        ),
      (push) => [push.scimRecordId],
    ),
  };
}
