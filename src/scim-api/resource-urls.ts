import type { Request, Response } from 'express';
import type { ScimCall } from './scim-call';
import { callerDirectory, scimLocals } from './scim-http';

/** Absolute base URL of the calling directory's SCIM endpoints (RFC 7643 §3.1: meta.location is a URI). */
export function directoryBaseUrl(req: Request, res: Response): string {
  return `${req.protocol}://${req.get('host') ?? ''}${scimLocals(res).scimBasePath}/directory/${callerDirectory(res).id}`;
}

export const resourceUrl = (req: Request, res: Response, endpoint: 'Users' | 'Groups', id: string) =>
  `${directoryBaseUrl(req, res)}/${endpoint}/${id}`;

/** The authenticated call a handler passes to the services. */
export function scimCall(res: Response): ScimCall {
  const locals = scimLocals(res);
  return { directory: callerDirectory(res), requestId: locals.requestId, log: locals.log };
}
