import { isUuid } from '../common';
import { ScimError, type DesiredGroup, type GroupMemberRef, type ScimGroup } from '../scim';
import { assertSchemasInclude, externalIdFrom, referenceTo, resourceMeta, servedSchemas } from './representation';
import { SCHEMA, assertStorable, getAttribute, isJsonObject, requiredString, withoutAttributes } from './scim-http';

type Json = Record<string, unknown>;

/** Server-owned (`id`, `meta`) or stored elsewhere (`members`, in scim_group_member). */
const NOT_IN_RAW = ['id', 'meta', 'members'];

/**
 * A SCIM Group body (POST, PUT, or the result of a PATCH) as the state the IdP wants. Member
 * values must look like User ids here; whether they are Users of this directory is checked
 * against the database by the service.
 */
export function desiredGroupFrom(body: unknown): DesiredGroup {
  if (!isJsonObject(body)) throw new ScimError(400, 'The body must be a SCIM Group object.', 'invalidSyntax');
  assertSchemasInclude(body, SCHEMA.group);
  const raw = withoutAttributes(body, NOT_IN_RAW);
  assertStorable(raw);
  const displayName = requiredString(getAttribute(raw, 'displayName'), 'displayName', 1024).trim();
  const externalId = externalIdFrom(getAttribute(raw, 'externalId'));

  const members = getAttribute(body, 'members');
  if (members !== undefined && members !== null && !Array.isArray(members))
    throw new ScimError(400, "Attribute 'members' must be an array.", 'invalidValue');
  const memberIds = new Set<string>();
  for (const [index, member] of (members ?? []).entries()) {
    if (!isJsonObject(member)) throw new ScimError(400, `members[${index}] must be an object.`, 'invalidValue');
    const value = getAttribute(member, 'value');
    if (!isUuid(value)) {
      const shown = value === undefined ? 'undefined' : JSON.stringify(value).slice(0, 100);
      throw new ScimError(
        400,
        `members[${index}].value ${shown} is not the id of a User of this directory.`,
        'invalidValue',
      );
    }
    const type = getAttribute(member, 'type');
    if (typeof type === 'string' && type.toLowerCase() !== 'user') {
      throw new ScimError(
        400,
        `members[${index}]: only Users can be members (nested groups are not supported).`,
        'invalidValue',
      );
    }
    memberIds.add(value.toLowerCase());
  }
  return {
    externalId,
    displayName,
    memberIds: [...memberIds],
    raw,
  };
}

/** The SCIM Group a row is; `members` null when the caller excluded them (they were not loaded). */
export function groupResource(group: ScimGroup, location: string, members: GroupMemberRef[] | null): Json {
  const raw = withoutAttributes(group.rawPayload, [...NOT_IN_RAW, 'schemas', 'externalId', 'displayName']);
  const resource: Json = {
    schemas: servedSchemas(group.rawPayload, SCHEMA.group),
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...raw,
  };
  if (members !== null) {
    resource.members = members.map((member) => referenceTo(location, 'Users', member.id, member.display, 'User'));
  }
  resource.meta = resourceMeta('Group', group, location);
  return resource;
}
