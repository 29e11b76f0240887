import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { loaderById, loaderGrouped, queryBuilderFor } from '../db';
import type { Conflict } from './conflict.entity';
import type { ConflictStatus } from './conflict.enums';
import { ConflictStore } from './conflict.store';
import type { RemediationFacts } from './remediation';

type Related = 'account' | 'scimRecord' | 'directory';

export function createConflictLoaders(db: DataSource, organizationId: string) {
  const store = new ConflictStore(queryBuilderFor(db));

  // Conflicts naming an account either way round (the record's account, or the one holding the email).
  const byRelated: Record<Related, (status?: ConflictStatus) => DataLoader<string, Conflict[]>> = {
    account: memoByStatus((status) =>
      loaderGrouped(
        (ids) => store.naming(organizationId, 'account', ids, status, 'loader:conflictsByAccount'),
        (conflict) => [
          conflict.accountId,
          conflict.conflictingAccountId === conflict.accountId ? null : conflict.conflictingAccountId,
        ],
      ),
    ),
    scimRecord: memoByStatus((status) =>
      loaderGrouped(
        (ids) => store.naming(organizationId, 'scimRecord', ids, status, 'loader:conflictsByRecord'),
        (conflict) => [conflict.scimRecordId],
      ),
    ),
    directory: memoByStatus((status) =>
      loaderGrouped(
        (ids) => store.naming(organizationId, 'directory', ids, status, 'loader:conflictsByDirectory'),
        (conflict) => [conflict.directoryId],
      ),
    ),
  };

  return {
    byId: loaderById((ids) => store.naming(organizationId, 'id', ids, undefined, 'loader:conflictById')),
    byRelated,
    remediationFacts: loaderById(async (ids): Promise<Array<Omit<RemediationFacts, 'conflict'> & { id: string }>> =>
      (await store.remediationRows(organizationId, ids)).map((row) => ({
        id: row.id,
        conflictingAccountIdpManaged: row.holderIdpManaged,
        accountIdpManaged: row.accountIdpManaged,
        recordLinked: row.recordLinked,
        domain:
          row.domainId !== null && row.domainName !== null && row.domainStatus !== null
            ? { id: row.domainId, name: row.domainName, status: row.domainStatus }
            : null,
        directory:
          row.ssoEmailAttribute !== null && row.scimEmailAttribute !== null
            ? { ssoEmailAttribute: row.ssoEmailAttribute, scimEmailAttribute: row.scimEmailAttribute }
            : null,
        placeholdersInUse: row.placeholdersInUse,
      })),
    ),
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
