import type { DataSource } from 'typeorm';
import { loaderById, queryBuilderFor } from '../db';
import { DirectoryStore } from './directory.store';

export function createDirectoryLoaders(db: DataSource, organizationId: string) {
  const store = new DirectoryStore(queryBuilderFor(db));
  return {
    byId: loaderById((ids) => store.byIds(organizationId, ids)),
  };
}
