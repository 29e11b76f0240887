import { Router, type Request, type Response } from 'express';
import type { ScimRecord } from '../scim-record.entity';
import { listRequestFromQuery, listRequestFromSearch, listResponse, projectionFromQuery, type ListRequest, type Projection } from './list-request';
import { project, projectionOmits } from './projection';
import { resourceUrl, scimCall } from './resource-urls';
import { SCHEMA, callerDirectory, etagMatches, etagOf, notFound, sendScim, sendScimError } from './scim-http';
import type { ScimUserService, UserOutcome } from './scim-users.service';
import { userResource } from './user-representation';

type Json = Record<string, unknown>;

/** `/Users`: thin handlers; ScimUserService does the work. */
export function userRoutes(users: ScimUserService): Router {
  const router = Router();

  /** Records as SCIM Users; their groups in one query, unless the projection leaves groups out. */
  const represent = async (req: Request, res: Response, records: ScimRecord[], projection: Projection, fresh = false): Promise<Json[]> => {
    // A user this very request created belongs to no group yet: no query needed.
    const groups =
      projectionOmits(projection, 'groups', SCHEMA.user) ? null : fresh ? new Map() : await users.groupsOf(records.map((record) => record.id));
    return records.map((record) =>
      project(userResource(record, resourceUrl(req, res, 'Users', record.id), groups?.get(record.id) ?? null), projection, SCHEMA.user),
    );
  };

  const list = async (req: Request, res: Response, request: ListRequest) => {
    const { total, rows } = await users.list(callerDirectory(res), request);
    sendScim(res, 200, listResponse(total, request, await represent(req, res, rows, request.projection)));
  };

  const answer = async (req: Request, res: Response, outcome: UserOutcome, projection: Projection) => {
    switch (outcome.kind) {
      case 'written': {
        const [resource] = await represent(req, res, [outcome.record], projection, outcome.fresh);
        const location = resourceUrl(req, res, 'Users', outcome.record.id);
        sendScim(res, outcome.status, resource, { ETag: etagOf(outcome.record.version), ...(outcome.status === 201 ? { Location: location } : {}) });
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

  router.get('/Users', (req, res) => list(req, res, listRequestFromQuery(req.query)));
  router.post('/Users/.search', (req, res) => list(req, res, listRequestFromSearch(req.body)));

  router.get('/Users/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const record = await users.find(callerDirectory(res), req.params.id);
    if (!record) return sendScimError(res, notFound('User'));
    const ifNoneMatch = req.get('if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, record.version)) {
      res.status(304).setHeader('ETag', etagOf(record.version)).end();
      return;
    }
    const [resource] = await represent(req, res, [record], projection);
    sendScim(res, 200, resource, { ETag: etagOf(record.version) });
  });

  router.post('/Users', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(req, res, await users.create(scimCall(res), req.body), projection);
  });

  router.put('/Users/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(req, res, await users.replace(scimCall(res), req.params.id, req.body, req.get('if-match')), projection);
  });

  router.patch('/Users/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const location = resourceUrl(req, res, 'Users', req.params.id);
    await answer(req, res, await users.patch(scimCall(res), req.params.id, req.body, req.get('if-match'), location), projection);
  });

  router.delete('/Users/:id', async (req, res) => {
    await answer(req, res, await users.remove(scimCall(res), req.params.id, req.get('if-match')), { attributes: null, excludedAttributes: null });
  });

  return router;
}
