export { USER_FILTER_SCHEMA, type ResourceSchema } from './schema';
export { compileFilter, filterExpression, sortColumn, sortExpression } from './compile';
export { MAX_FILTER_DEPTH, parseFilter, type CompValue, type FilterNode } from './parser';
