import DataLoader from 'dataloader';
import { isUuid } from '../common';

/**
 * Per-request batching: every `load(id)` in one tick becomes one `= ANY($ids)` query. Keys that
 * are not UUIDs name nothing and never reach Postgres (where they would be a type error).
 */
export function loaderById<T extends { id: string }>(
  loadMany: (ids: string[]) => Promise<T[]>,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null, string>(
    async (keys) => {
      const ids = keys.filter(isUuid).map((key) => key.toLowerCase());
      const rows = ids.length > 0 ? await loadMany(ids) : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      return keys.map((key) => byId.get(key.toLowerCase()) ?? null);
    },
    { cacheKeyFn: (key) => key.toLowerCase(), maxBatchSize: 5000 },
  );
}

export interface GroupedOptions {
  /** The form keys take in rows (default: lower case). */
  normalize?: (key: string) => string;
  /** Keys that can match anything at all (default: UUIDs). */
  valid?: (key: string) => boolean;
}

/** Batches "all rows whose `keysOf` include k" for many k at once; every key gets an array, maybe empty. */
export function loaderGrouped<T>(
  loadMany: (keys: string[]) => Promise<T[]>,
  keysOf: (row: T) => Array<string | null>,
  { normalize = (key) => key.toLowerCase(), valid = isUuid }: GroupedOptions = {},
): DataLoader<string, T[]> {
  return new DataLoader<string, T[], string>(
    async (keys) => {
      const normalized = keys.map(normalize);
      const matchable = [...new Set(normalized.filter(valid))];
      const rows = matchable.length > 0 ? await loadMany(matchable) : [];
      const groups = new Map<string, T[]>(normalized.map((key) => [key, []]));
      for (const row of rows) for (const key of keysOf(row)) if (key !== null) groups.get(normalize(key))?.push(row);
      return normalized.map((key) => groups.get(key) ?? []);
    },
    { cacheKeyFn: normalize, maxBatchSize: 5000 },
  );
}
