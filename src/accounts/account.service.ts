import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { paginate, type Keyset, type Page } from '../common/pagination';
import { escapeLike } from '../common/sql';
import { asciiDomain } from '../domains/domain-name';
import { Account } from './account.entity';
import type { AccountFilter } from './account.inputs';

/** Accounts sort by email, byte order: the order a portal shows and the index prefix search uses. */
export const ACCOUNT_KEYSET: Keyset<Account> = {
  scope: 'accounts',
  direction: 'ASC',
  keys: [
    { property: 'email', cast: 'text', expression: (sql) => `lower(${sql}) COLLATE "C"` },
    { property: 'id', cast: 'uuid' },
  ],
};

export class AccountService {
  constructor(private readonly db: DataSource) {}

  list(organizationId: string, filter: AccountFilter = {}, page: { first?: number | null; after?: string | null }): Promise<Page<Account>> {
    const query = this.db
      .getRepository(Account)
      .createQueryBuilder('a')
      .comment('accounts')
      .where('a.organizationId = :organizationId', { organizationId });
    applyAccountFilter(query, filter);
    return paginate(query, ACCOUNT_KEYSET, page);
  }

  findByEmail(organizationId: string, email: string): Promise<Account | null> {
    return this.db
      .getRepository(Account)
      .createQueryBuilder('a')
      .comment('accountByEmail')
      .where('lower(a.email) = lower(:email)', { email: email.trim() })
      .andWhere('a.organizationId = :organizationId', { organizationId })
      .getOne();
  }
}

export function applyAccountFilter(query: SelectQueryBuilder<Account>, filter: AccountFilter): void {
  const a = query.alias;
  if (filter.status) query.andWhere(`${a}.status = :status`, { status: filter.status });
  if (filter.origin) query.andWhere(`${a}.origin = :origin`, { origin: filter.origin });
  if (filter.managed != null) query.andWhere(`${a}.managed = :managed`, { managed: filter.managed });
  if (filter.domain != null) query.andWhere(`${a}.emailDomain = :domain`, { domain: asciiDomain(filter.domain) });
  if (filter.emailPrefix) {
    query.andWhere(`lower(${a}.email) COLLATE "C" LIKE lower(:emailPrefix) || '%'`, { emailPrefix: escapeLike(filter.emailPrefix.trim()) });
  }
  if (filter.idpManaged != null) {
    query.andWhere(`${filter.idpManaged ? '' : 'NOT '}EXISTS (SELECT 1 FROM scim_record r WHERE r.account_id = ${a}.id)`);
  }
}
