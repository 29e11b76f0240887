import type { DataSource } from 'typeorm';
import { paginate, type Keyset, type Page } from '../common/pagination';
import { isUuid } from '../common/ids';
import { Conflict } from './conflict.entity';
import type { ConflictFilter } from './conflict.inputs';

/** Newest first: the portal's queue shows what just broke at the top. */
export const CONFLICT_KEYSET: Keyset<Conflict> = {
  scope: 'conflicts',
  direction: 'DESC',
  keys: [
    { property: 'detectedAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

export class ConflictService {
  constructor(private readonly db: DataSource) {}

  list(organizationId: string, filter: ConflictFilter = {}, page: { first?: number | null; after?: string | null }): Promise<Page<Conflict>> {
    const query = this.db
      .getRepository(Conflict)
      .createQueryBuilder('c')
      .comment('conflicts')
      .where('c.organizationId = :organizationId', { organizationId });
    if (filter.kind) query.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.directoryId != null) {
      if (!isUuid(filter.directoryId)) query.andWhere('false');
      else query.andWhere('c.directoryId = :directoryId', { directoryId: filter.directoryId });
    }
    return paginate(query, CONFLICT_KEYSET, page);
  }
}
