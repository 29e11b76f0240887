/** How one filterable single-valued SCIM attribute maps onto SQL. */
export interface AttributeSpec {
  /** SQL expression for the column, e.g. 'r.user_name'. Trusted: never built from input. */
  column: string;
  type: 'string' | 'boolean' | 'dateTime' | 'uuid';
  /** false (the RFC 7643 default) => case-insensitive comparisons, lower() on both sides. */
  caseExact?: boolean;
}

/** A multi-valued attribute stored as a jsonb array of objects, e.g. emails. */
export interface MultiValuedSpec {
  /** SQL expression for the jsonb column, e.g. 'r.emails'. */
  column: string;
  /** Sub-attributes of each element: value, type, primary, display. */
  subAttributes: Record<string, { type: 'string' | 'boolean'; caseExact?: boolean }>;
  /** The sub-attribute meant when none is named (`emails eq "x"` means emails.value): 'value'. */
  defaultSubAttribute: string;
}

export interface ResourceSchema {
  attributes: Record<string, AttributeSpec>;
  multiValued: Record<string, MultiValuedSpec>;
}

/**
 * The filterable attributes of a User, over `scim_record` aliased `r`.
 * caseExact follows RFC 7643 §4.1: id and externalId are case-exact, everything else is not.
 */
export const USER_FILTER_SCHEMA: ResourceSchema = {
  attributes: {
    id: { column: 'r.id', type: 'uuid', caseExact: true },
    externalId: { column: 'r.external_id', type: 'string', caseExact: true },
    userName: { column: 'r.user_name', type: 'string', caseExact: false },
    displayName: { column: 'r.display_name', type: 'string', caseExact: false },
    'name.givenName': { column: 'r.given_name', type: 'string', caseExact: false },
    'name.familyName': { column: 'r.family_name', type: 'string', caseExact: false },
    active: { column: 'r.active', type: 'boolean' },
    'meta.created': { column: 'r.created_at', type: 'dateTime' },
    'meta.lastModified': { column: 'r.updated_at', type: 'dateTime' },
  },
  multiValued: {
    emails: {
      column: 'r.emails',
      subAttributes: {
        value: { type: 'string', caseExact: false },
        type: { type: 'string', caseExact: false },
        primary: { type: 'boolean' },
        display: { type: 'string', caseExact: false },
      },
      defaultSubAttribute: 'value',
    },
  },
};
