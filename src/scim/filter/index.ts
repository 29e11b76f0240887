export type { ResourceSchema } from './schema';
// The filterable attributes are declared with the rest of each schema.
export { USER_FILTER_SCHEMA } from '../resource-schemas';
export { compileFilter, filterExpression, sortColumn, sortExpression } from './compile';
export { MAX_FILTER_DEPTH, parseFilter, type CompValue, type FilterNode } from './parser';
