/** The face of http/: what the rest of src/ imports from it. Other folders import http/ only through this file. */
export { graphqlIde, redirectToIde } from './graphql-ide';
export {
  graphqlArmor,
  mutationRateLimit,
  parseOptions,
  rejectNulCharacters,
  tokenLimitRefusal,
} from './graphql-limits';
export { JsonTooDeepError, limitJsonDepth } from './json-depth';
export { localUrl } from './local-url';
export { RateLimiter, SharedRateLimiter } from './rate-limit';
export type { WorkBudget } from './rate-limit';
export { requestLog } from './request-log';
export { requireRouterSecret } from './router-secret';
export { hideSuggestionsInVariableErrors } from './suggestions';
