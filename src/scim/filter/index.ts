export { USER_FILTER_SCHEMA, type ResourceSchema } from './schema';
export { compileFilter, sortColumn } from './compile';
export { MAX_FILTER_DEPTH } from './parser';
