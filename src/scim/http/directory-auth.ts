import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../common/ids';
import { selectRows } from '../../db/statements';
import { Directory } from '../../directories/directory.entity';
import { directoryTokenMatches, hashDirectoryToken } from '../../directories/directory-token';
import { ScimError } from '../scim-error';
import { scimLocals, sendScimError } from './scim-http';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{1,512})[ \t]*$/i;

const unauthorized = () =>
  new ScimError(
    401,
    'Authentication required: send "Authorization: Bearer <token>" with the SCIM token issued for this directory.',
  );
/** Same answer for an unknown directory and for another directory's: nothing about either leaks. */
const directoryNotFound = () => new ScimError(404, 'Resource not found.');

/**
 * Finds the directory whose SCIM token the caller presents: by the token's hash (unique), then a
 * constant-time comparison. The token proves one directory only; the path must name it.
 * No or unknown token: 401. Valid token, any other directory id: 404. The token is never logged.
 */
export function authenticateDirectory(db: DataSource) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      sendScimError(res, unauthorized(), { 'WWW-Authenticate': 'Bearer realm="SCIM"' });
      return;
    }
    const token = match[1];
    const [directory] = await selectRows(db, Directory, 'scim:authenticate', 'token_hash = $1', [
      hashDirectoryToken(token),
    ]);
    if (!directory || !directoryTokenMatches(token, directory.tokenHash)) {
      sendScimError(res, unauthorized(), { 'WWW-Authenticate': 'Bearer realm="SCIM", error="invalid_token"' });
      return;
    }
    const requested = req.params.directoryId;
    if (!isUuid(requested) || requested.toLowerCase() !== directory.id) {
      sendScimError(res, directoryNotFound());
      return;
    }
    const locals = scimLocals(res);
    locals.directory = directory;
    locals.log = locals.log.child({ directoryId: directory.id });
    next();
  };
}
