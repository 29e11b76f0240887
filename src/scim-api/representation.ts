/** What Users and Groups share in how a body is read and a row is served, so each rule has one place. */
import { ScimError } from '../scim';
import { etagOf, getAttribute, optionalString } from './scim-http';

type Json = Record<string, unknown>;

/** A body may leave `schemas` out; when it sends them, they must name the resource's core schema. */
export function assertSchemasInclude(body: Json, coreSchema: string): void {
  const schemas = getAttribute(body, 'schemas');
  if (
    schemas !== undefined &&
    (!Array.isArray(schemas) ||
      !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === coreSchema.toLowerCase()))
  ) {
    throw new ScimError(400, `"schemas" must include "${coreSchema}".`, 'invalidSyntax');
  }
}

/** `externalId` as stored: a string of at most 512 characters, an empty one being none. */
export function externalIdFrom(value: unknown): string | null {
  const externalId = optionalString(value, 'externalId', 512);
  return externalId === '' ? null : externalId;
}

/**
 * The schemas a row is served with: the string ones its stored payload sent, less `leftOut`, with
 * the core schema put first when the client did not send it.
 */
export function servedSchemas(rawPayload: Json, coreSchema: string, leftOut: string[] = []): string[] {
  const rawSchemas = getAttribute(rawPayload, 'schemas');
  const drop = new Set(leftOut.map((schema) => schema.toLowerCase()));
  const schemas = Array.isArray(rawSchemas)
    ? rawSchemas.filter((schema): schema is string => typeof schema === 'string' && !drop.has(schema.toLowerCase()))
    : [];
  return schemas.some((schema) => schema.toLowerCase() === coreSchema.toLowerCase())
    ? schemas
    : [coreSchema, ...schemas];
}

/**
 * One entry of a reference list (a Group's `members`, a User's `groups`): the resource `id` of
 * `endpoint` in the same directory, its `$ref` made from this resource's absolute location.
 */
export function referenceTo(
  location: string,
  endpoint: 'Users' | 'Groups',
  id: string,
  display: string,
  type: string,
): Json {
  return { value: id, display, $ref: location.replace(/\/(?:Users|Groups)\/[^/]+$/, `/${endpoint}/${id}`), type };
}

/** RFC 7643 §3.1 `meta`; `version` is the ETag the resource is served with. */
export function resourceMeta(
  resourceType: 'User' | 'Group',
  row: { createdAt: Date; updatedAt: Date; version: number },
  location: string,
): Json {
  return {
    resourceType,
    created: row.createdAt.toISOString(),
    lastModified: row.updatedAt.toISOString(),
    location,
    version: etagOf(row.version),
  };
}
