import { Router, type Request, type Response } from 'express';
import { parseFilter, ScimError, type ScimOutcome } from '../scim';
import {
  listRequestFromQuery,
  listRequestFromSearch,
  listResponse,
  projectionFromQuery,
  type ListRequest,
  type Projection,
} from './list-request';
import { resourceUrl, scimCall } from './resource-urls';
import type { ResourceService, ResourceWrite } from './resource-service';
import { callerDirectory, etagMatches, etagOf, notFound, sendScim, sendScimError } from './scim-http';

type Json = Record<string, unknown>;

export interface ResourceEndpoint<T extends { id: string; version: number }> {
  /** The path segment, also the resource type in `meta.location`. */
  path: 'Users' | 'Groups';
  /** As a 404 names it. */
  singular: 'User' | 'Group';
  service: ResourceService<T>;
  /** Rows as SCIM resources under the projection; `fresh`: created by this request. */
  represent: (req: Request, res: Response, rows: T[], projection: Projection, fresh: boolean) => Promise<Json[]>;
}

/** The resource a PUT, PATCH or DELETE names, as the services take it. */
const resourceWrite = (req: Request<{ id: string }>, res: Response): ResourceWrite => ({
  call: scimCall(res),
  id: req.params.id,
  ifMatch: req.get('if-match'),
});

/** RFC 7644 §3.2-3.6 for one resource type: list, .search, get (with If-None-Match), POST, PUT, PATCH, DELETE. */
export function resourceRoutes<T extends { id: string; version: number }>(endpoint: ResourceEndpoint<T>): Router {
  const { path, singular, service, represent } = endpoint;
  const router = Router();

  const list = async (req: Request, res: Response, request: ListRequest) => {
    const { total, rows } = await service.reads.list(callerDirectory(res), request);
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
    const found = await service.reads.find(callerDirectory(res), req.params.id);
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
    await answer(req, res, await service.replace(resourceWrite(req, res), req.body), projection);
  });

  router.patch(`/${path}/:id`, async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const location = resourceUrl(req, res, path, req.params.id);
    await answer(req, res, await service.patch(resourceWrite(req, res), req.body, location), projection);
  });

  router.delete(`/${path}/:id`, async (req, res) => {
    await answer(req, res, await service.remove(resourceWrite(req, res)), {
      attributes: null,
      excludedAttributes: null,
    });
  });

  return router;
}

/** One resource type's part of a root-level search: its page of matches, represented, and its total. */
type SearchPart = (req: Request, res: Response, request: ListRequest) => Promise<{ total: number; resources: Json[] }>;

export function searchPart<T extends { id: string; version: number }>(endpoint: ResourceEndpoint<T>): SearchPart {
  return async (req, res, request) => {
    const { total, rows } = await endpoint.service.reads.list(callerDirectory(res), request);
    return { total, resources: await endpoint.represent(req, res, rows, request.projection, false) };
  };
}

/**
 * `POST /.search` at the root (RFC 7644 §3.4.3): the filter over every resource type, one
 * ListResponse, the types in the given order (Users, then Groups; sortBy sorts within each type),
 * paged across them. A type whose attributes the filter does not have matches nothing; a filter
 * that no type understands is 400.
 */
export function rootSearchRoutes(parts: SearchPart[]): Router {
  const router = Router();
  router.post('/.search', async (req, res) => {
    const request = listRequestFromSearch(req.body);
    if (request.filter !== null) parseFilter(request.filter);
    let total = 0;
    let skip = request.startIndex - 1;
    let wanted = request.count;
    const resources: Json[] = [];
    let refusal: ScimError | null = null;
    let understood = false;
    for (const part of parts) {
      try {
        const page = await part(req, res, { ...request, startIndex: skip + 1, count: wanted });
        understood = true;
        total += page.total;
        resources.push(...page.resources);
        wanted -= page.resources.length;
        skip = Math.max(0, skip - page.total);
      } catch (error) {
        // An attribute this type does not have (e.g. userName for Groups): no match here.
        if (!(error instanceof ScimError) || error.status !== 400) throw error;
        refusal ??= error;
      }
    }
    if (!understood && refusal) throw refusal;
    sendScim(res, 200, listResponse(total, request, resources));
  });
  return router;
}
