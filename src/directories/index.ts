/** The directories feature's face: what other folders may use. */
export { Directory } from './directory.entity';
export { DirectoryService } from './directory.service';
export { createDirectoryLoaders } from './directory.loaders';
