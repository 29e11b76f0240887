/** Deepest JSON nesting a request body may have. */
export const MAX_JSON_DEPTH = 64;
