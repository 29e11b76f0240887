import { Router, type Request, type Response } from 'express';
import type { Directory } from '../../directories/directory.entity';
import type { ScimOutcome } from '../scim-error';
import {
  listRequestFromQuery,
  listRequestFromSearch,
  listResponse,
  projectionFromQuery,
  type ListRequest,
  type Projection,
} from './list-request';
import { resourceUrl, scimCall } from './resource-urls';
import type { ScimCall } from './scim-call';
import { callerDirectory, etagMatches, etagOf, notFound, sendScim, sendScimError } from './scim-http';

type Json = Record<string, unknown>;

/** The service behind one SCIM resource type: reads by directory, writes as the directory's push. */
interface ResourceService<T> {
  list(directory: Directory, request: ListRequest): Promise<{ total: number; rows: T[] }>;
  find(directory: Directory, id: string): Promise<T | null>;
  create(call: ScimCall, body: unknown): Promise<ScimOutcome<T>>;
  replace(call: ScimCall, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimOutcome<T>>;
  patch(
    call: ScimCall,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    location: string,
  ): Promise<ScimOutcome<T>>;
  remove(call: ScimCall, id: string, ifMatch: string | undefined): Promise<ScimOutcome<T>>;
}

export interface ResourceEndpoint<T extends { id: string; version: number }> {
  /** The path segment, also the resource type in `meta.location`. */
  path: 'Users' | 'Groups';
  /** As a 404 names it. */
  singular: 'User' | 'Group';
  service: ResourceService<T>;
  /** Rows as SCIM resources under the projection; `fresh`: created by this request. */
  represent: (req: Request, res: Response, rows: T[], projection: Projection, fresh: boolean) => Promise<Json[]>;
}

/** RFC 7644 §3.2-3.6 for one resource type: list, .search, get (with If-None-Match), POST, PUT, PATCH, DELETE. */
export function resourceRoutes<T extends { id: string; version: number }>(endpoint: ResourceEndpoint<T>): Router {
  const { path, singular, service, represent } = endpoint;
  const router = Router();

  const list = async (req: Request, res: Response, request: ListRequest) => {
    const { total, rows } = await service.list(callerDirectory(res), request);
    sendScim(res, 200, listResponse(total, request, await represent(req, res, rows, request.projection, false)));
  };

  const answer = async (req: Request, res: Response, outcome: ScimOutcome<T>, projection: Projection) => {
    switch (outcome.kind) {
      case 'written': {
        const { resource: written, status } = outcome;
        const [resource] = await represent(req, res, [written], projection, outcome.fresh === true);
        const location = resourceUrl(req, res, path, written.id);
        sendScim(res, status, resource, {
          ETag: etagOf(written.version),
          ...(status === 201 ? { Location: location } : {}),
        });
        return;
      }
      case 'deleted':
        if (!res.headersSent) res.status(204).end();
        return;
      case 'rejected':
        sendScimError(res, outcome.error);
        return;
    }
  };

  router.get(`/${path}`, (req, res) => list(req, res, listRequestFromQuery(req.query)));
  router.post(`/${path}/.search`, (req, res) => list(req, res, listRequestFromSearch(req.body)));

  router.get(`/${path}/:id`, async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const found = await service.find(callerDirectory(res), req.params.id);
    if (!found) {
      sendScimError(res, notFound(singular));
      return;
    }
    const ifNoneMatch = req.get('if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, found.version)) {
      res.status(304).setHeader('ETag', etagOf(found.version)).end();
      return;
    }
    const [resource] = await represent(req, res, [found], projection, false);
    sendScim(res, 200, resource, { ETag: etagOf(found.version) });
  });

  router.post(`/${path}`, async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(req, res, await service.create(scimCall(res), req.body), projection);
  });

  router.put(`/${path}/:id`, async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(
      req,
      res,
      await service.replace(scimCall(res), req.params.id, req.body, req.get('if-match')),
      projection,
    );
  });

  router.patch(`/${path}/:id`, async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const location = resourceUrl(req, res, path, req.params.id);
    await answer(
      req,
      res,
      await service.patch(scimCall(res), req.params.id, req.body, req.get('if-match'), location),
      projection,
    );
  });

  router.delete(`/${path}/:id`, async (req, res) => {
    await answer(req, res, await service.remove(scimCall(res), req.params.id, req.get('if-match')), {
      attributes: null,
      excludedAttributes: null,
    });
  });

  return router;
}
