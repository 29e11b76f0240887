/** The directories feature's face: what other folders may use. */
export { Directory } from './directory.entity';
export { IdentityProvider } from './directory.enums';
export { DirectoryErrorCode } from './directory.errors';
export { DirectoryService, lockDirectory } from './directory.service';
export { DirectoryStore } from './directory.store';
export { createDirectoryLoaders } from './directory.loaders';
export { newDirectoryToken } from './directory-token';
export { directoryTokenMatches, hashDirectoryToken } from './directory-token';
