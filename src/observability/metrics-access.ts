import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may scrape /metrics: it shows every organization's open-conflict counts together. With a
 * token, only a bearer of it (compared in constant time); without one, development serves it
 * openly and production refuses, so an unconfigured deployment never publishes it by accident.
 */
export function metricsAccess(token: string | undefined, production: boolean): RequestHandler {
  if (token === undefined) {
    return (_req, res, next) => {
      if (!production) {
        next();
        return;
      }
      res
        .status(403)
        .type('text/plain')
        .send('/metrics is off: set METRICS_TOKEN and let Prometheus send it as a bearer token.\n');
    };
  }
  const expected = digest(token);
  return (req, res, next) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    // Equal-length digests: timingSafeEqual neither throws nor leaks the token's length.
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    res
      .status(401)
      .setHeader('www-authenticate', 'Bearer realm="metrics"')
      .type('text/plain')
      .send('Send Authorization: Bearer <METRICS_TOKEN>.\n');
  };
}
