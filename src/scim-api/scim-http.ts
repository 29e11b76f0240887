import type { Response } from 'express';
import type { Logger } from 'pino';
import type { Directory } from '../directories';
import { ScimError } from '../scim';

export { SCHEMA } from '../scim';

const SCIM_CONTENT_TYPE = 'application/scim+json';

/** RFC 7644 §3.4.2.4: the most resources one page returns, whatever `count` asks for. */
export const MAX_RESULTS = 200;
export const DEFAULT_COUNT = 100;
/** RFC 7644 leaves the payload cap to the server; ServiceProviderConfig would carry it if bulk were on. */
export const MAX_BODY_BYTES = 256 * 1024;

/** What the SCIM middleware leaves in res.locals for the handlers. */
export interface ScimLocals {
  requestId: string;
  log: Logger;
  /** Where the SCIM router is mounted, e.g. `/scim`, for absolute locations. */
  scimBasePath: string;
  /** Set once the bearer token proved which directory calls. */
  directory?: Directory;
}

export function scimLocals(res: Response): ScimLocals {
  return res.locals as unknown as ScimLocals;
}

/** The authenticated directory; the auth middleware runs before every directory route. */
export function callerDirectory(res: Response): Directory {
  const directory = scimLocals(res).directory;
  if (!directory) throw new Error('SCIM handler reached without an authenticated directory');
  return directory;
}

/** Writes a SCIM JSON response, unless the request's deadline already answered it. */
export function sendScim(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  // res.end, not res.send: Express would add its own ETag and answer If-None-Match by itself.
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', `${SCIM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('Content-Length', String(json.length));
  res.end(json);
}

export function sendScimError(res: Response, error: ScimError, headers: Record<string, string> = {}): void {
  sendScim(res, error.status, error.toJSON(), headers);
}

export const notFound = (what = 'Resource') => new ScimError(404, `${what} not found.`);
export const preconditionFailed = () =>
  new ScimError(412, 'Failed to update. Resource has changed on the server (If-Match does not match its version).');

/** The weak ETag a resource version is served with, also meta.version. */
export const etagOf = (version: number) => `W/"${version}"`;

/**
 * Whether an If-Match (or If-None-Match) header names this version: `*`, or any listed tag whose
 * opaque value is the version, weak or strong (an IdP may echo `"3"` for `W/"3"`).
 */
export function etagMatches(header: string, version: number): boolean {
  const wanted = String(version);
  return header.split(',').some((part) => {
    const tag = part.trim();
    if (tag === '*') return true;
    const match = /^(?:W\/)?"([^"]*)"$/.exec(tag);
    return match !== null && match[1] === wanted;
  });
}

/** If-Match holds when absent, or when it names the current version. */
export const ifMatchHolds = (ifMatch: string | undefined, version: number) =>
  ifMatch === undefined || etagMatches(ifMatch, version);

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` matched case-insensitively (SCIM attribute names are case-insensitive). */
export function getAttribute(object: Record<string, unknown>, key: string): unknown {
  const lower = key.toLowerCase();
  const found = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return found === undefined ? undefined : object[found];
}

/** A copy without the listed attributes, in any case. */
export function withoutAttributes(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const drop = new Set(keys.map((key) => key.toLowerCase()));
  return Object.fromEntries(Object.entries(object).filter(([key]) => !drop.has(key.toLowerCase())));
}

/**
 * Postgres text and jsonb cannot hold NUL or unpaired surrogates: such a value would be a 500 at
 * insert time, so it is refused up front as the client's error.
 */
export function assertStorable(value: unknown, path = 'body'): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed()) {
      throw new ScimError(
        400,
        `${path} contains a character that cannot be stored (NUL or an unpaired surrogate).`,
        'invalidValue',
      );
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      assertStorable(item, `${path}[${index}]`);
    });
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertStorable(key, `${path} key`);
      assertStorable(item, `${path}.${key}`);
    }
  }
}

/** Booleans as JSON, or as the strings Entra ID sends ("True", "False"). */
export function parseBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new ScimError(400, `Attribute '${attribute}' must be a boolean.`, 'invalidValue');
}

export function optionalString(value: unknown, attribute: string, maxLength: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ScimError(400, `Attribute '${attribute}' must be a string.`, 'invalidValue');
  if (value.length > maxLength)
    throw new ScimError(400, `Attribute '${attribute}' is longer than ${maxLength} characters.`, 'invalidValue');
  return value;
}

export function requiredString(value: unknown, attribute: string, maxLength: number): string {
  const text = optionalString(value, attribute, maxLength);
  if (text === null || text.trim() === '')
    throw new ScimError(400, `Attribute '${attribute}' is required.`, 'invalidValue');
  return text;
}
