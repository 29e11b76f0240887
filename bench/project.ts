/**
 * Everything the benchmark takes from the code under test, in one place: when src/ is
 * restructured, this file is the one to update. The benchmark otherwise drives the built server
 * over HTTP only.
 */
export { createDataSource, withDatabase } from '../src/db/data-source';
export { entities } from '../src/entities';
export { migrate } from '../src/db/database';
export { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded';
export { runMutation } from '../src/db/transaction';
export { conflictMutations } from '../src/conflicts/conflict.service';
export { remediationFor } from '../src/conflicts/remediation';
export { ConflictKind, ConflictStatus } from '../src/conflicts/conflict.enums';
export { newDirectoryToken } from '../src/directories/directory-token';
export { mintToken } from '../src/auth/tokens';
export { ALL_SCOPES } from '../src/auth/scopes';
export { projectRoot } from '../src/paths';

/** The server process: its built entry point, and the line it logs once it listens. */
export const SERVER_ENTRY = 'dist/src/main.js';
export const SERVER_READY = /subgraph ready/;
