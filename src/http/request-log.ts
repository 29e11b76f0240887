import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One line per request: id, method, path (never the query string or headers, which can carry
 * credentials), status and duration.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: routers mounted on a prefix (/graphql, /scim) strip it from req.path while they run.
    const path = req.path;
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : 'info';
      logger[level](
        {
          requestId: res.locals.requestId,
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          operation: res.locals.operationName,
        },
        'request',
      );
    });
    next();
  };
}
