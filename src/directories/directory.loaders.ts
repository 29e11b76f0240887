import type { DataSource } from 'typeorm';
import { loaderById } from '../db/loaders';
import { Directory } from './directory.entity';

export function createDirectoryLoaders(db: DataSource, organizationId: string) {
  return {
    byId: loaderById((ids) =>
      db
        .getRepository(Directory)
        .createQueryBuilder('dir')
        .comment('loader:directoryById')
        .where('dir.id = ANY(:ids)', { ids })
        .andWhere('dir.organizationId = :organizationId', { organizationId })
        .getMany(),
    ),
  };
}

export type DirectoryLoaders = ReturnType<typeof createDirectoryLoaders>;
