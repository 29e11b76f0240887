import type { DataSource } from 'typeorm';
import { type Locked, lockedAsExpected } from '../common';
import { queryBuilderFor, type MutationScope } from '../db';
import type { Directory } from './directory.entity';
import { DirectoryStore } from './directory.store';

/** The reads of directories outside a mutation. */
export class DirectoryService {
  private readonly store: DirectoryStore;

  constructor(db: DataSource) {
    this.store = new DirectoryStore(queryBuilderFor(db));
  }

  list(organizationId: string): Promise<Directory[]> {
    return this.store.list(organizationId);
  }

  /** The directory a SCIM token's hash names, if any (authentication compares the token itself). */
  byTokenHash(hash: string): Promise<Directory | null> {
    return this.store.byTokenHash(hash);
  }
}

/**
 * How a mutation of one directory starts: the directory locked (the statement named for the
 * action), then NOT_FOUND when it is absent, or VERSION_CONFLICT when `expectedVersion` is stale.
 */
export async function lockDirectory(
  m: MutationScope,
  id: string,
  expectedVersion: number | null | undefined,
  field: string,
): Promise<Locked<Directory>> {
  const directory = await new DirectoryStore(m.db).lock(m.organizationId, id, m.action);
  return lockedAsExpected(directory, expectedVersion, 'directory', field);
}
