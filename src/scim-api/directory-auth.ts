import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { ExpiringMap, isUuid } from '../common';
import { DirectoryService, directoryTokenMatches, hashDirectoryToken } from '../directories';
import type { RateLimiter } from '../http';
import { ScimError } from '../scim';
import { scimLocals, sendScimError } from './scim-http';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{1,512})[ \t]*$/i;

const unauthorized = () =>
  new ScimError(
    401,
    'Authentication required: send "Authorization: Bearer <token>" with the SCIM token issued for this directory.',
  );
/** Same answer for an unknown directory and for another directory's: nothing about either leaks. */
const directoryNotFound = () => new ScimError(404, 'Resource not found.');

/** How long a token that proved its directory stays exempt from the per-address failure limit. */
const RECENTLY_VALID_MS = 10 * 60_000;
/** Only valid tokens are remembered, one per directory: the bound is never reached in practice. */
const MAX_RECENTLY_VALID = 10_000;

/**
 * Finds the directory whose SCIM token the caller presents: by the token's hash (unique), then a
 * constant-time comparison. The token proves one directory only; the path must name it.
 * No or unknown token: 401. Valid token, any other directory id: 404. The token is never logged.
 *
 * With `failures`, unknown tokens are limited per client address: past the limit the address is
 * answered 429 before any lookup, so guessing costs the database nothing. A token that proved its
 * directory in the last minutes is still looked up (a rotation takes effect at once) but skips
 * that check, so an IdP sharing an egress address with a guesser goes on working.
 */
export function authenticateDirectory(db: DataSource, failures?: RateLimiter) {
  const directories = new DirectoryService(db);
  const recentlyValid = new ExpiringMap<string, true>(MAX_RECENTLY_VALID);

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      sendScimError(res, unauthorized(), { 'WWW-Authenticate': 'Bearer realm="SCIM"' });
      return;
    }
    const token = match[1];
    const hash = hashDirectoryToken(token);
    const client = `scim-auth:${req.ip ?? 'unknown'}`;
    if (failures && !recentlyValid.get(hash)) {
      const verdict = failures.check(client);
      if (!verdict.allowed) {
        sendScimError(
          res,
          new ScimError(
            429,
            `Too many requests with unknown SCIM tokens from this address: at most ${failures.perMinute} a minute.`,
          ),
          { 'Retry-After': String(verdict.retryAfterSeconds) },
        );
        return;
      }
    }
    const directory = await directories.byTokenHash(hash);
    if (!directory || !directoryTokenMatches(token, directory.tokenHash)) {
      failures?.take(client);
      sendScimError(res, unauthorized(), { 'WWW-Authenticate': 'Bearer realm="SCIM", error="invalid_token"' });
      return;
    }
    if (failures) recentlyValid.set(hash, true, Date.now() + RECENTLY_VALID_MS);
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
