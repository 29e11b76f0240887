export { USER_FILTER_SCHEMA, type AttributeSpec, type MultiValuedSpec, type ResourceSchema } from './schema';
export { compileFilter, sortColumn, type CompiledFilter } from './compile';
export {
  parseFilter,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  type FilterNode,
  type CompareOp,
  type CompValue,
} from './parser';
