import { Router, type Request, type Response } from 'express';
import type { ScimGroup } from '../scim-group.entity';
import type { GroupOutcome } from '../scim-group.service';
import { groupResource } from './group-representation';
import { listRequestFromQuery, listRequestFromSearch, listResponse, projectionFromQuery, type ListRequest, type Projection } from './list-request';
import { project, projectionOmits } from './projection';
import { resourceUrl, scimCall } from './resource-urls';
import { SCHEMA, callerDirectory, etagMatches, etagOf, notFound, sendScim, sendScimError } from './scim-http';
import type { ScimGroupService } from './scim-groups.service';

type Json = Record<string, unknown>;

/** `/Groups`: thin handlers; ScimGroupService does the work. */
export function groupRoutes(groups: ScimGroupService): Router {
  const router = Router();

  /** Groups as SCIM resources; members in one query, skipped when excluded (Entra asks `excludedAttributes=members`). */
  const represent = async (req: Request, res: Response, rows: ScimGroup[], projection: Projection): Promise<Json[]> => {
    const members = projectionOmits(projection, 'members', SCHEMA.group) ? null : await groups.membersOf(rows.map((group) => group.id));
    return rows.map((group) =>
      project(groupResource(group, resourceUrl(req, res, 'Groups', group.id), members?.get(group.id) ?? null), projection, SCHEMA.group),
    );
  };

  const list = async (req: Request, res: Response, request: ListRequest) => {
    const { total, rows } = await groups.list(callerDirectory(res), request);
    sendScim(res, 200, listResponse(total, request, await represent(req, res, rows, request.projection)));
  };

  const answer = async (req: Request, res: Response, outcome: GroupOutcome, projection: Projection) => {
    switch (outcome.kind) {
      case 'written': {
        const [resource] = await represent(req, res, [outcome.group], projection);
        const location = resourceUrl(req, res, 'Groups', outcome.group.id);
        sendScim(res, outcome.status, resource, { ETag: etagOf(outcome.group.version), ...(outcome.status === 201 ? { Location: location } : {}) });
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

  router.get('/Groups', (req, res) => list(req, res, listRequestFromQuery(req.query)));
  router.post('/Groups/.search', (req, res) => list(req, res, listRequestFromSearch(req.body)));

  router.get('/Groups/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const group = await groups.find(callerDirectory(res), req.params.id);
    if (!group) return sendScimError(res, notFound('Group'));
    const ifNoneMatch = req.get('if-none-match');
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, group.version)) {
      res.status(304).setHeader('ETag', etagOf(group.version)).end();
      return;
    }
    const [resource] = await represent(req, res, [group], projection);
    sendScim(res, 200, resource, { ETag: etagOf(group.version) });
  });

  router.post('/Groups', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(req, res, await groups.create(scimCall(res), req.body), projection);
  });

  router.put('/Groups/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    await answer(req, res, await groups.replace(scimCall(res), req.params.id, req.body, req.get('if-match')), projection);
  });

  router.patch('/Groups/:id', async (req, res) => {
    const projection = projectionFromQuery(req.query);
    const location = resourceUrl(req, res, 'Groups', req.params.id);
    await answer(req, res, await groups.patch(scimCall(res), req.params.id, req.body, req.get('if-match'), location), projection);
  });

  router.delete('/Groups/:id', async (req, res) => {
    await answer(req, res, await groups.remove(scimCall(res), req.params.id, req.get('if-match')), { attributes: null, excludedAttributes: null });
  });

  return router;
}
