import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped, queryBuilderFor } from '../db';
import { storedDomainName } from '../domains';
import { AccountStore } from './account.store';

export function createAccountLoaders(db: DataSource, organizationId: string) {
  const store = new AccountStore(queryBuilderFor(db));
  return {
    byId: loaderById((ids) => store.byIds(organizationId, ids)),
    emailHistory: loaderGrouped(
      (accountIds) => store.emailHistory(organizationId, accountIds),
      (change) => [change.accountId],
    ),
    /** Rule R5's stale accounts by (stored) domain name: every migration of a list in one query. */
    staleByDomain: loaderGrouped(
      (names) => store.staleOnDomains(organizationId, names),
      (account) => [account.emailDomain],
      { normalize: storedDomainName, valid: (name) => name.length > 0 },
    ),
  };
}
