import type { DataSource } from 'typeorm';
import { paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { ScimRecord } from './scim-record.entity';
import type { ScimRecordFilter } from './scim-record.inputs';

export const SCIM_RECORD_KEYSET: Keyset<ScimRecord> = {
  scope: 'scimRecords',
  direction: 'DESC',
  keys: [
    { property: 'createdAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

export class ScimRecordService {
  constructor(private readonly db: DataSource) {}

  list(organizationId: string, filter: ScimRecordFilter = {}, page: { first?: number | null; after?: string | null }): Promise<Page<ScimRecord>> {
    const query = this.db
      .getRepository(ScimRecord)
      .createQueryBuilder('r')
      .comment('scimRecords')
      .where('r.organizationId = :organizationId', { organizationId });
    if (filter.syncStatus) query.andWhere('r.syncStatus = :syncStatus', { syncStatus: filter.syncStatus });
    if (filter.directoryId != null) {
      if (!isUuid(filter.directoryId)) query.andWhere('false');
      else query.andWhere('r.directoryId = :directoryId', { directoryId: filter.directoryId });
    }
    if (filter.active != null) query.andWhere('r.active = :active', { active: filter.active });
    if (filter.userName != null) query.andWhere('lower(r.userName) = lower(:userName)', { userName: filter.userName });
    if (filter.externalId != null) query.andWhere('r.externalId = :externalId', { externalId: filter.externalId });
    return paginate(query, SCIM_RECORD_KEYSET, page);
  }
}
