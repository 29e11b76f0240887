import type { DataSource } from 'typeorm';
import { loaderById } from '../db/loaders';
import { selectRows } from '../db/statements';
import { Directory } from './directory.entity';

export function createDirectoryLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) =>
      selectRows(db, Directory, 'loader:directoryById', 'id = ANY($1::uuid[]) AND organization_id = $2', [
        ids,
        organizationId,
      ]),
    ),
  };
}
