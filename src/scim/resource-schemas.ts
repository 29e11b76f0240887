import type { ResourceSchema } from './filter/schema';
import { SCHEMA } from './schema-urns';

/**
 * The SCIM schemas this service provider supports, declared once (RFC 7643 §7 attribute
 * characteristics, plus where a filter reads each attribute). Discovery (`/Schemas`), list
 * filters and sortBy, PATCH (boolean coercion, attribute spelling, multi-valued wrapping) and the
 * User representation (attribute spelling) are all derived from these tables.
 */
export interface ScimAttribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  description: string;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: ScimAttribute[];
  /**
   * Filterable (and sortable, when single-valued): the SQL expression holding it (trusted, never
   * built from input); for a multi-valued attribute, a jsonb array of its elements.
   */
  column?: string;
  /** A multi-valued attribute's sub-attributes a filter may name, when not all are in its column. */
  filterBy?: string[];
}

type Options = Partial<Omit<ScimAttribute, 'name' | 'type' | 'description'>>;

const text = (name: string, description: string, options: Options = {}): ScimAttribute => ({
  name,
  type: 'string',
  description,
  ...options,
});
const flag = (name: string, description: string, options: Options = {}): ScimAttribute => ({
  name,
  type: 'boolean',
  description,
  ...options,
});
const complex = (name: string, description: string, subAttributes: ScimAttribute[], options: Options = {}) =>
  ({ name, type: 'complex', description, subAttributes, ...options }) satisfies ScimAttribute;
const typed = (description: string, canonicalValues: string[]) => text('type', description, { canonicalValues });
const primary = (description: string) => flag('primary', description);

const USER_ATTRIBUTES: ScimAttribute[] = [
  text('userName', 'Unique identifier for the User within its directory, case-insensitive. Filterable.', {
    required: true,
    uniqueness: 'server',
    column: 'r.user_name',
  }),
  complex('name', "The components of the user's name; givenName and familyName are filterable.", [
    text('formatted', 'The full name, formatted for display.'),
    text('familyName', 'The family name.', { column: 'r.family_name' }),
    text('givenName', 'The given name.', { column: 'r.given_name' }),
    text('middleName', 'The middle name(s).'),
    text('honorificPrefix', 'Honorific prefix(es), e.g. "Ms.".'),
    text('honorificSuffix', 'Honorific suffix(es), e.g. "III".'),
  ]),
  text('displayName', 'The name shown for the User; becomes the account display name. Filterable.', {
    column: 'r.display_name',
  }),
  text('nickName', 'A casual name. Stored and returned as sent.'),
  text('title', "The user's title. Stored and returned as sent."),
  text('userType', 'The relationship to the organization. Stored and returned as sent.'),
  text('preferredLanguage', 'Preferred written or spoken language. Stored and returned as sent.'),
  text('locale', 'Default location for localization. Stored and returned as sent.'),
  text('timezone', 'Time zone, IANA format. Stored and returned as sent.'),
  flag(
    'active',
    'false deactivates the linked account; true reactivates it; removing it (or a PUT without it) leaves it as it was. Filterable. "True"/"False" strings are accepted.',
    { column: 'r.active' },
  ),
  complex(
    'emails',
    "Email addresses; the primary one (else the work one, else the first) is the account's email. Filterable.",
    [
      text('value', 'An email address; must be a valid address.'),
      text('display', 'A human-readable name.'),
      typed('The kind of address.', ['work', 'home', 'other']),
      primary('The primary address; at most one.'),
    ],
    { multiValued: true, column: 'r.emails' },
  ),
  complex(
    'phoneNumbers',
    'Phone numbers. Stored and returned as sent.',
    [
      text('value', 'The phone number.'),
      typed('The kind of number.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
      primary('The primary number.'),
    ],
    { multiValued: true },
  ),
  complex(
    'addresses',
    'Physical addresses. Stored and returned as sent.',
    [
      text('formatted', 'The full address.'),
      text('streetAddress', 'Street address.'),
      text('locality', 'City or locality.'),
      text('region', 'State or region.'),
      text('postalCode', 'Postal code.'),
      text('country', 'Country, ISO 3166-1 alpha-2.'),
      typed('The kind of address.', ['work', 'home', 'other']),
      primary('The primary address.'),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    'The Groups the User is a member of, from Group memberships. Read-only.',
    [
      text('value', 'The id of the Group.', { mutability: 'readOnly' }),
      {
        name: '$ref',
        type: 'reference',
        description: 'The URI of the Group.',
        mutability: 'readOnly',
        referenceTypes: ['Group'],
      },
      text('display', "The Group's displayName.", { mutability: 'readOnly' }),
      typed('How the membership is held; always "direct" here.', ['direct', 'indirect']),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
];

const ENTERPRISE_USER_ATTRIBUTES: ScimAttribute[] = [
  text('employeeNumber', 'Employee number. Stored and returned as sent.'),
  text('costCenter', 'Cost center. Stored and returned as sent.'),
  text('organization', 'Organization. Stored and returned as sent.'),
  text('division', 'Division. Stored and returned as sent.'),
  text('department', 'Department. Stored and returned as sent.'),
  complex('manager', "The user's manager; a bare id string in a PATCH is taken as its value.", [
    text('value', 'The id of the manager.'),
    { name: '$ref', type: 'reference', description: 'The URI of the manager.', referenceTypes: ['User'] },
    text('displayName', "The manager's displayName.", { mutability: 'readOnly' }),
  ]),
];

/** Read-only: set by the server, never stored from a body. */
const PROVISIONING_ATTRIBUTES: ScimAttribute[] = [
  text('status', 'PENDING while the user waits (e.g. for the organization to claim the account owning its email).', {
    mutability: 'readOnly',
    canonicalValues: ['PENDING'],
  }),
  text('detail', 'What the user waits for.', { mutability: 'readOnly' }),
];

const GROUP_ATTRIBUTES: ScimAttribute[] = [
  text('displayName', 'The name of the Group. Filterable.', { required: true, column: 'g.display_name' }),
  complex(
    'members',
    'Users of the same directory in the Group; `members[value eq "id"]` is filterable.',
    [
      // Ids are lower-case UUIDs; a client may write them in upper case.
      text('value', 'The id of a User of this directory.', { mutability: 'immutable' }),
      {
        name: '$ref',
        type: 'reference',
        description: 'The URI of the User.',
        mutability: 'immutable',
        referenceTypes: ['User'],
      },
      text('display', "The User's displayName, else userName.", { mutability: 'readOnly' }),
      typed('The kind of member; only User.', ['User']),
    ],
    {
      multiValued: true,
      // Not a column: the group's member ids as a jsonb array, so Entra's `members[value eq "..."]`
      // membership check compiles like any multi-valued attribute.
      filterBy: ['value'],
      column: `(SELECT COALESCE(jsonb_agg(jsonb_build_object('value', gm.scim_record_id::text)), '[]'::jsonb) FROM scim_group_member gm WHERE gm.group_id = g.id)`,
    },
  ),
];

/** RFC 7643 §3.1's common attributes, filterable on every resource (not listed in /Schemas). */
const commonAttributes = (alias: string): ScimAttribute[] => [
  text('id', 'The resource id.', { caseExact: true, mutability: 'readOnly', column: `${alias}.id` }),
  text('externalId', "The IdP's id.", { caseExact: true, column: `${alias}.external_id` }),
  complex(
    'meta',
    'Resource metadata.',
    [
      { name: 'created', type: 'dateTime', description: 'Created.', column: `${alias}.created_at` },
      { name: 'lastModified', type: 'dateTime', description: 'Last modified.', column: `${alias}.updated_at` },
    ],
    { mutability: 'readOnly' },
  ),
];

/** The published schemas, in /Schemas order. */
export const SCHEMAS = [
  { id: SCHEMA.user, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  {
    id: SCHEMA.enterpriseUser,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: ENTERPRISE_USER_ATTRIBUTES,
  },
  {
    id: SCHEMA.provisioning,
    name: 'Provisioning',
    description: 'How far the push got: present while the User is not provisioned yet',
    attributes: PROVISIONING_ATTRIBUTES,
  },
  { id: SCHEMA.group, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
];

/** An attribute as /Schemas shows it (RFC 7643 §7), every characteristic spelled out. */
export function schemaAttribute(attribute: ScimAttribute): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued ?? false,
    description: attribute.description,
    required: attribute.required ?? false,
    ...(attribute.canonicalValues ? { canonicalValues: attribute.canonicalValues } : {}),
    caseExact: attribute.caseExact ?? false,
    mutability: attribute.mutability ?? 'readWrite',
    returned: attribute.returned ?? 'default',
    uniqueness: attribute.uniqueness ?? 'none',
    ...(attribute.referenceTypes ? { referenceTypes: attribute.referenceTypes } : {}),
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(schemaAttribute) } : {}),
  };
}

/** The filter compiler's view of a resource: its attributes that have a column. */
function filterSchemaOf(attributes: ScimAttribute[]): ResourceSchema {
  const schema: ResourceSchema = { attributes: {}, multiValued: {} };
  const single = (name: string, attribute: ScimAttribute, column: string) => {
    const type = attribute.name === 'id' ? 'uuid' : attribute.type;
    if (type !== 'string' && type !== 'boolean' && type !== 'dateTime' && type !== 'uuid') return;
    schema.attributes[name] = {
      column,
      type,
      ...(type === 'string' || type === 'uuid' ? { caseExact: attribute.caseExact ?? false } : {}),
    };
  };
  for (const attribute of attributes) {
    if (attribute.multiValued && attribute.column) {
      const subAttributes: ResourceSchema['multiValued'][string]['subAttributes'] = {};
      for (const sub of attribute.subAttributes ?? []) {
        if (attribute.filterBy && !attribute.filterBy.includes(sub.name)) continue;
        if (sub.type === 'boolean') subAttributes[sub.name] = { type: 'boolean' };
        else if (sub.type === 'string') subAttributes[sub.name] = { type: 'string', caseExact: sub.caseExact ?? false };
      }
      schema.multiValued[attribute.name] = { column: attribute.column, subAttributes, defaultSubAttribute: 'value' };
    } else if (attribute.column) {
      single(attribute.name, attribute, attribute.column);
    } else {
      for (const sub of attribute.subAttributes ?? [])
        if (sub.column) single(`${attribute.name}.${sub.name}`, sub, sub.column);
    }
  }
  return schema;
}

/** The filterable (and sortable) attributes of a User, over `scim_record` aliased `r`. */
export const USER_FILTER_SCHEMA = filterSchemaOf([...commonAttributes('r'), ...USER_ATTRIBUTES]);
/** The filterable attributes of a Group, over `scim_group` aliased `g`. */
export const GROUP_FILTER_SCHEMA = filterSchemaOf([...commonAttributes('g'), ...GROUP_ATTRIBUTES]);

function qualifiedNames(attributes: ScimAttribute[], prefix: string, keep: (a: ScimAttribute) => boolean): string[] {
  return attributes.flatMap((attribute) => {
    const name = `${prefix}${attribute.name}`.toLowerCase();
    return [...(keep(attribute) ? [name] : []), ...qualifiedNames(attribute.subAttributes ?? [], `${name}.`, keep)];
  });
}

/** Lower-case qualified names of the boolean attributes of a User (`active`, `emails.primary`, ...). */
export const USER_BOOLEANS = [
  ...qualifiedNames(USER_ATTRIBUTES, '', (a) => a.type === 'boolean'),
  ...qualifiedNames(ENTERPRISE_USER_ATTRIBUTES, `${SCHEMA.enterpriseUser}:`, (a) => a.type === 'boolean'),
];

/** Lower-case names of the multi-valued attributes of every schema. */
export const MULTI_VALUED_NAMES = SCHEMAS.flatMap((schema) =>
  qualifiedNames(schema.attributes, '', (a) => a.multiValued === true),
);

/** RFC 7643's spelling of every attribute and sub-attribute name the schemas declare, by its lower case. */
export const CANONICAL_NAMES: ReadonlyMap<string, string> = new Map(
  [...SCHEMAS.flatMap((schema) => schema.attributes), ...commonAttributes('x')].flatMap(function names(
    attribute: ScimAttribute,
  ): Array<[string, string]> {
    return [[attribute.name.toLowerCase(), attribute.name], ...(attribute.subAttributes ?? []).flatMap(names)];
  }),
);
