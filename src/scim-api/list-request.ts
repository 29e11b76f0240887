import { ScimError } from '../scim';
import { DEFAULT_COUNT, MAX_RESULTS, SCHEMA, getAttribute, isJsonObject } from './scim-http';

/** A query for a page of resources: from `GET ...?filter=...` or a `POST .search` body. */
export interface ListRequest {
  filter: string | null;
  /** 1-based, as RFC 7644 §3.4.2.4 counts. */
  startIndex: number;
  /** Already capped at MAX_RESULTS; 0 asks only for totalResults. */
  count: number;
  sortBy: string | null;
  sortOrder: 'ascending' | 'descending';
  projection: Projection;
}

/** attributes / excludedAttributes (RFC 7644 §3.4.2.5), as attribute paths. */
export interface Projection {
  attributes: string[] | null;
  excludedAttributes: string[] | null;
}

const invalid = (detail: string) => new ScimError(400, detail, 'invalidValue');

type QueryValue = unknown;

/** One query parameter, matched case-insensitively; a repeated one is an error rather than a guess. */
function param(query: Record<string, QueryValue>, name: string): string | null {
  const value = getAttribute(query, name);
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalid(`Query parameter '${name}' must be given once.`);
  return value;
}

function integer(value: unknown, name: string): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(number)) throw invalid(`'${name}' must be an integer.`);
  return number;
}

function attributeList(value: unknown, name: string): string[] | null {
  if (value === null || value === undefined) return null;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (items === null || items.some((item) => typeof item !== 'string'))
    throw invalid(`'${name}' must be a list of attribute names.`);
  const names = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  return names.length > 0 ? names : null;
}

function listRequest(raw: {
  filter: unknown;
  startIndex: unknown;
  count: unknown;
  sortBy: unknown;
  sortOrder: unknown;
  attributes: unknown;
  excludedAttributes: unknown;
}): ListRequest {
  if (raw.filter !== null && raw.filter !== undefined && typeof raw.filter !== 'string') {
    throw new ScimError(400, "'filter' must be a string.", 'invalidFilter');
  }
  // RFC 7644 §3.4.2.4: startIndex below 1 means 1, and a negative count means 0.
  const startIndex = Math.max(1, integer(raw.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(raw.count, 'count') ?? DEFAULT_COUNT));
  if (raw.sortBy !== null && raw.sortBy !== undefined && typeof raw.sortBy !== 'string')
    throw invalid("'sortBy' must be an attribute name.");
  let sortOrder: ListRequest['sortOrder'] = 'ascending';
  if (raw.sortOrder !== null && raw.sortOrder !== undefined) {
    if (typeof raw.sortOrder !== 'string' || !/^(ascending|descending)$/i.test(raw.sortOrder)) {
      throw invalid("'sortOrder' must be 'ascending' or 'descending'.");
    }
    sortOrder = raw.sortOrder.toLowerCase() as ListRequest['sortOrder'];
  }
  const filter = typeof raw.filter === 'string' && raw.filter.trim() !== '' ? raw.filter : null;
  const sortBy = typeof raw.sortBy === 'string' && raw.sortBy.trim() !== '' ? raw.sortBy.trim() : null;
  return { filter, startIndex, count, sortBy, sortOrder, projection: projectionOf(raw) };
}

function projectionOf(raw: { attributes: unknown; excludedAttributes: unknown }): Projection {
  const attributes = attributeList(raw.attributes, 'attributes');
  const excludedAttributes = attributeList(raw.excludedAttributes, 'excludedAttributes');
  if (attributes && excludedAttributes) throw invalid("Use 'attributes' or 'excludedAttributes', not both.");
  return { attributes, excludedAttributes };
}

/** From the query string of `GET /Users` or `GET /Groups`. */
export function listRequestFromQuery(query: Record<string, QueryValue>): ListRequest {
  return listRequest({
    filter: param(query, 'filter'),
    startIndex: param(query, 'startIndex'),
    count: param(query, 'count'),
    sortBy: param(query, 'sortBy'),
    sortOrder: param(query, 'sortOrder'),
    attributes: param(query, 'attributes'),
    excludedAttributes: param(query, 'excludedAttributes'),
  });
}

/** From a `POST .search` body (RFC 7644 §3.4.3). */
export function listRequestFromSearch(body: unknown): ListRequest {
  if (!isJsonObject(body)) throw new ScimError(400, 'The search body must be a JSON object.', 'invalidSyntax');
  const schemas = getAttribute(body, 'schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some((schema) => typeof schema === 'string' && schema.toLowerCase() === SCHEMA.searchRequest.toLowerCase())
  ) {
    throw new ScimError(400, `The search body must have "schemas": ["${SCHEMA.searchRequest}"].`, 'invalidSyntax');
  }
  return listRequest({
    filter: getAttribute(body, 'filter'),
    startIndex: getAttribute(body, 'startIndex'),
    count: getAttribute(body, 'count'),
    sortBy: getAttribute(body, 'sortBy'),
    sortOrder: getAttribute(body, 'sortOrder'),
    attributes: getAttribute(body, 'attributes'),
    excludedAttributes: getAttribute(body, 'excludedAttributes'),
  });
}

/** attributes / excludedAttributes on a single-resource request (GET by id, and write responses). */
export function projectionFromQuery(query: Record<string, QueryValue>): Projection {
  return projectionOf({
    attributes: param(query, 'attributes'),
    excludedAttributes: param(query, 'excludedAttributes'),
  });
}

export function listResponse(total: number, request: ListRequest, resources: unknown[]) {
  return {
    schemas: [SCHEMA.listResponse],
    totalResults: total,
    startIndex: request.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
