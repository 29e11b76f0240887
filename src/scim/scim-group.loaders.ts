import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { isUuid } from '../common/ids';
import { hydrate } from '../db/hydrate';
import { ScimGroup } from './scim-group.entity';

/**
 * "The groups of each key" in one query per batch: `sql` selects group rows plus a `key`
 * column, for the keys in $1 within the organization in $2.
 */
function groupsBy(db: DataSource, organizationId: string, sql: string): DataLoader<string, ScimGroup[]> {
  return new DataLoader<string, ScimGroup[], string>(
    async (keys) => {
      const ids = [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
      const rows: Array<Record<string, unknown> & { key: string }> =
        ids.length > 0 ? await db.query(sql, [ids, organizationId]) : [];
      const groups = hydrate(db.manager, ScimGroup, rows);
      const byKey = new Map<string, ScimGroup[]>();
      rows.forEach((row, index) => byKey.set(row.key, [...(byKey.get(row.key) ?? []), groups[index]]));
      return keys.map((key) => byKey.get(key.toLowerCase()) ?? []);
    },
    { cacheKeyFn: (key) => key.toLowerCase(), maxBatchSize: 5000 },
  );
}

export function createScimGroupLoaders(db: DataSource, organizationId: string) {
  return {
    /** Groups of the records linked to each account (an account has at most one record per directory). */
    byAccount: groupsBy(
      db,
      organizationId,
      `/* loader:scimGroupsByAccount */ SELECT DISTINCT g.*, r.account_id AS key
       FROM scim_record r JOIN scim_group_member m ON m.scim_record_id = r.id JOIN scim_group g ON g.id = m.group_id
       WHERE r.account_id = ANY($1::uuid[]) AND r.organization_id = $2 ORDER BY g.display_name, g.id`,
    ),
    byRecord: groupsBy(
      db,
      organizationId,
      `/* loader:scimGroupsByRecord */ SELECT g.*, m.scim_record_id AS key
       FROM scim_group_member m JOIN scim_group g ON g.id = m.group_id
       WHERE m.scim_record_id = ANY($1::uuid[]) AND g.organization_id = $2 ORDER BY g.display_name, g.id`,
    ),
    memberCount: new DataLoader<string, number, string>(
      async (groupIds) => {
        const rows: Array<{ group_id: string; members: number }> = await db.query(
          `/* loader:scimGroupMemberCount */ SELECT m.group_id, count(*)::int AS members
           FROM scim_group_member m JOIN scim_group g ON g.id = m.group_id
           WHERE m.group_id = ANY($1::uuid[]) AND g.organization_id = $2 GROUP BY m.group_id`,
          [[...new Set(groupIds)], organizationId],
        );
        const counts = new Map(rows.map((row) => [row.group_id, row.members]));
        return groupIds.map((id) => counts.get(id) ?? 0);
      },
      { maxBatchSize: 5000 },
    ),
  };
}
