import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { isUuid } from '../common';
import { queryBuilderFor } from '../db';
import type { ScimGroup } from './scim-group.entity';
import { ScimGroupStore } from './scim-group.store';

/** "The groups of each key" in one statement per batch: `load` answers group rows plus their `key`. */
function groupsBy(
  load: (ids: string[]) => Promise<Array<ScimGroup & { key: string }>>,
): DataLoader<string, ScimGroup[]> {
  return new DataLoader<string, ScimGroup[], string>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
      const rows = ids.length > 0 ? await load(ids) : [];
      const byKey = new Map<string, ScimGroup[]>();
      for (const group of rows) {
        const { key } = group;
        Reflect.deleteProperty(group, 'key');
        byKey.set(key, [...(byKey.get(key) ?? []), group]);
      }
      return keys.map((key) => byKey.get(key.toLowerCase()) ?? []);
    },
    { cacheKeyFn: (key) => key.toLowerCase(), maxBatchSize: 5000 },
  );
}

export function createScimGroupLoaders(db: DataSource, organizationId: string) {
  const store = new ScimGroupStore(queryBuilderFor(db));
  return {
    /** Groups of the records linked to each account (an account has at most one record per directory). */
    byAccount: groupsBy((ids) => store.byAccounts(ids, organizationId)),
    byRecord: groupsBy((ids) => store.byRecords(ids, organizationId)),
    memberCount: new DataLoader<string, number, string>(
      async (groupIds) => {
        const counts = await store.memberCounts([...new Set(groupIds)], organizationId);
        return groupIds.map((id) => counts.get(id) ?? 0);
      },
      { maxBatchSize: 5000 },
    ),
  };
}
