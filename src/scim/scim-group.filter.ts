import type { ResourceSchema } from './filter';

/**
 * The filterable attributes of a Group, over `scim_group` aliased `g` (the counterpart of
 * USER_FILTER_SCHEMA). `members` is not a column: it is the group's member ids as a jsonb array,
 * built by a correlated subquery, so Entra's `members[value eq "..."]` membership check compiles
 * like any multi-valued attribute.
 */
export const GROUP_FILTER_SCHEMA: ResourceSchema = {
  attributes: {
    id: { column: 'g.id', type: 'uuid', caseExact: true },
    externalId: { column: 'g.external_id', type: 'string', caseExact: true },
    displayName: { column: 'g.display_name', type: 'string', caseExact: false },
    'meta.created': { column: 'g.created_at', type: 'dateTime' },
    'meta.lastModified': { column: 'g.updated_at', type: 'dateTime' },
  },
  multiValued: {
    members: {
      column: `(SELECT COALESCE(jsonb_agg(jsonb_build_object('value', gm.scim_record_id::text)), '[]'::jsonb) FROM scim_group_member gm WHERE gm.group_id = g.id)`,
      // Ids are lower-case UUIDs; a client may write them in upper case.
      subAttributes: { value: { type: 'string', caseExact: false } },
      defaultSubAttribute: 'value',
    },
  },
};
