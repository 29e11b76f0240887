import type { DataSource } from 'typeorm';
import { Directory } from './directory.entity';

export class DirectoryService {
  constructor(private readonly db: DataSource) {}

  list(organizationId: string): Promise<Directory[]> {
    return this.db
      .getRepository(Directory)
      .createQueryBuilder('dir')
      .comment('directories')
      .where('dir.organizationId = :organizationId', { organizationId })
      .orderBy('dir.name')
      .getMany();
  }
}
