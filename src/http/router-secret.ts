import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const ROUTER_SECRET_HEADER = 'x-router-secret';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * With ROUTER_SHARED_SECRET set, only the router (which adds the header) reaches /graphql, so
 * `_entities` and `_service` cannot be called around the gateway's own checks.
 */
export function requireRouterSecret(secret: string): RequestHandler {
  const expected = digest(secret);
  return (req, res, next) => {
    const presented = req.header(ROUTER_SECRET_HEADER);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    res.status(403).json({
      errors: [{ message: 'This subgraph is reachable through the router only.', extensions: { code: 'FORBIDDEN' } }],
    });
  };
}
