import type { RequestHandler } from 'express';

/**
 * Deepest nesting a JSON request body may have (the body itself is level 1). Real payloads stay
 * under 10: a SCIM PATCH replacing emails is 6 levels, a gateway's _entities request 4.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests objects and arrays deeper than `limit` (a bare `[]` or `{}` is depth 1).
 * Iterative on purpose: deep input is built to overflow the stack of a recursive walk (ours, or
 * graphql-js' input coercion), and this check runs before any of them.
 */
export function exceedsJsonDepth(value: unknown, limit: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node: current, depth } = next;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child === null || typeof child !== 'object') continue;
      pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/** Shaped like body-parser's errors (status, type), so the routers' body-error handling answers it. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor(readonly limit: number) {
    super(`The JSON body is nested deeper than ${limit} levels.`);
    this.name = 'JsonTooDeepError';
  }
}

/** After express.json: refuses a parsed body nested deeper than `limit`. */
export const limitJsonDepth =
  (limit = MAX_JSON_DEPTH): RequestHandler =>
  (req, _res, next) => {
    next(exceedsJsonDepth(req.body, limit) ? new JsonTooDeepError(limit) : undefined);
  };
