import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ScimError, ScimOperation } from '../scim';
import { authenticateDirectory } from './directory-auth';
import { discoveryRoutes } from './discovery.routes';
import { groupRoutes, groupSearch } from './groups.routes';
import { rootSearchRoutes } from './resource-routes';
import { scimCall } from './resource-urls';
import { MAX_BODY_BYTES, callerDirectory, scimLocals, sendScimError } from './scim-http';
import { ScimGroupService } from './scim-groups.service';
import { ScimUserService } from './scim-users.service';
import { userRoutes, userSearch } from './users.routes';
import { JsonTooDeepError, limitJsonDepth, type RateLimiter, type WorkBudget } from '../http';
import type { Metrics } from '../observability';
import { DATABASE_UNAVAILABLE_FOR_READ_MESSAGE, DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db';

export interface ScimRouterOptions {
  db: DataSource;
  logger: Logger;
  /**
   * How long a request may take before it is answered 503 (the IdP retries; creates are
   * idempotent). Below Postgres' statement_timeout, so the client hears first.
   */
  requestTimeoutMs?: number;
  /** Per-directory request budget, shared by replicas; a request over it is answered 429 with Retry-After. */
  budget?: WorkBudget;
  /** Failed token lookups per client address; over it, 429 before any lookup. */
  authFailures?: RateLimiter;
  metrics?: Metrics;
}

const DEFAULT_SCIM_REQUEST_TIMEOUT_MS = 25_000;

/** A body-parser failure as the SCIM error it is; null for anything else. */
function bodyError(error: unknown): ScimError | null {
  if (error instanceof JsonTooDeepError) return new ScimError(400, error.message, 'invalidSyntax');
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new ScimError(413, `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
    case 'entity.parse.failed':
      return new ScimError(400, 'The request body is not valid JSON.', 'invalidSyntax');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ScimError(415, 'The request body must be UTF-8 JSON (application/scim+json).');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ScimError(400, 'The request body was incomplete.', 'invalidSyntax');
    default:
      return null;
  }
}

const pushOutcomeOfStatus = (status: number) => (status === 409 ? 'conflict' : status < 300 ? 'applied' : 'rejected');

/** Which user push a request is, by method and path below the directory. */
function userPushOf(req: Request): { operation: ScimOperation; id: string | null } | null {
  const path = req.path.replace(/\/+$/, '');
  if (req.method === 'POST' && /^\/Users$/i.test(path)) return { operation: ScimOperation.CREATE, id: null };
  const byId = /^\/Users\/([^/]+)$/i.exec(path);
  if (byId && byId[1] !== '.search' && req.method === 'PUT') return { operation: ScimOperation.REPLACE, id: byId[1] };
  if (byId && byId[1] !== '.search' && req.method === 'PATCH') return { operation: ScimOperation.PATCH, id: byId[1] };
  return null;
}

/**
 * The SCIM 2.0 service provider (RFC 7643/7644), mounted next to /graphql, e.g. at `/scim`:
 * `/scim/directory/{directoryId}/Users`, `/Groups` and the discovery endpoints. Every answer,
 * errors included, is `application/scim+json` in the SCIM error schema; never an HTML page.
 */
export function createScimRouter({
  db,
  logger,
  requestTimeoutMs = DEFAULT_SCIM_REQUEST_TIMEOUT_MS,
  budget,
  authFailures,
  metrics,
}: ScimRouterOptions): Router {
  const users = new ScimUserService(db);
  const groups = new ScimGroupService(db);
  const router = Router();

  router.use((req, res, next) => {
    const locals = scimLocals(res);
    // Set already when the request log ran first.
    locals.requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    locals.log = logger.child({ requestId: locals.requestId });
    locals.scimBasePath = req.baseUrl;
    // Every request is bounded: past the deadline the IdP hears 503 (and retries) even if the work goes on.
    const deadline = setTimeout(() => {
      if (res.headersSent) return;
      locals.log.warn({ method: req.method, path: req.path, timeoutMs: requestTimeoutMs }, 'SCIM request timed out');
      sendScimError(
        res,
        new ScimError(503, `The request did not complete within ${Math.round(requestTimeoutMs / 1000)} s; retry it.`),
        {
          'Retry-After': '5',
        },
      );
    }, requestTimeoutMs);
    const clear = () => {
      clearTimeout(deadline);
    };
    res.once('finish', clear);
    res.once('close', clear);
    next();
  });

  const directory = Router({ mergeParams: true });
  directory.use(authenticateDirectory(db, authFailures));
  if (budget) {
    directory.use(async (_req, res, next) => {
      // SCIM bulk is not implemented: every request is one unit.
      const verdict = await budget.spend(`scim:${callerDirectory(res).id}`, 1);
      if (verdict.allowed) {
        next();
        return;
      }
      sendScimError(res, new ScimError(429, `Too many requests: at most ${budget.perMinute} a minute per directory.`), {
        'Retry-After': String(verdict.retryAfterSeconds),
      });
    });
  }
  if (metrics) {
    // SCIM pushes by operation and outcome, as the IdP was answered.
    directory.use((req, res, next) => {
      const push =
        userPushOf(req) ??
        (req.method === 'DELETE' && /^\/Users\/[^/]+\/?$/i.test(req.path) ? { operation: ScimOperation.DELETE } : null);
      if (push)
        res.once('finish', () => {
          metrics.scimPushes.inc({ operation: push.operation, outcome: pushOutcomeOfStatus(res.statusCode) });
        });
      next();
    });
  }
  // Any content type is read as JSON: IdPs send application/scim+json or application/json, some with neither.
  directory.use(express.json({ limit: MAX_BODY_BYTES, type: () => true }), limitJsonDepth());
  directory.use(
    rootSearchRoutes([userSearch(users), groupSearch(groups)]),
    discoveryRoutes(),
    userRoutes(users),
    groupRoutes(groups),
  );
  directory.use((req, res) => {
    sendScimError(res, new ScimError(404, `No SCIM endpoint ${req.method} ${req.path}.`));
  });
  directory.use(async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const unreadable = bodyError(error);
    const push = unreadable ? userPushOf(req) : null;
    if (unreadable && push && scimLocals(res).directory) {
      // A push refused before its body could be read still belongs in the push history.
      await users.rejectUnreadable(scimCall(res), push.operation, push.id, unreadable).catch((failure: unknown) => {
        scimLocals(res).log.error({ err: failure }, 'could not record a rejected SCIM push');
      });
    }
    next(unreadable ?? error);
  });

  router.use('/directory/:directoryId', directory);
  router.use((req, res) => {
    sendScimError(res, new ScimError(404, `No SCIM endpoint ${req.method} ${req.baseUrl}${req.path}.`));
  });
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const locals = scimLocals(res);
    const clientError = error instanceof ScimError ? error : bodyError(error);
    if (clientError) {
      sendScimError(res, clientError);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Express' own client errors (a malformed %-escape in the path, ...).
      sendScimError(
        res,
        new ScimError(status, 'The request could not be read.', status === 400 ? 'invalidSyntax' : undefined),
      );
      return;
    }
    if (isDatabaseUnavailable(error)) {
      locals.log.warn(
        { err: error, method: req.method, path: req.originalUrl.split('?')[0] },
        'database unavailable during a SCIM request',
      );
      const read = req.method === 'GET' || req.path.endsWith('/.search');
      sendScimError(
        res,
        new ScimError(
          503,
          read
            ? DATABASE_UNAVAILABLE_FOR_READ_MESSAGE
            : `${DATABASE_UNAVAILABLE_MESSAGE} (look the user up before repeating a create: a create of a user that exists answers 409).`,
        ),
        { 'Retry-After': '2' },
      );
      return;
    }
    locals.log.error({ err: error, method: req.method, path: req.originalUrl.split('?')[0] }, 'SCIM request failed');
    sendScimError(
      res,
      new ScimError(500, `Internal server error; the operator can trace it by request id ${locals.requestId}.`),
    );
  });
  return router;
}
