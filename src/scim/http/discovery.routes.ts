import { Router, type Request, type Response } from 'express';
import { ScimError } from '../scim-error';
import { directoryBaseUrl } from './resource-urls';
import { MAX_RESULTS, SCHEMA, notFound, sendScim, sendScimError } from './scim-http';

type Json = Record<string, unknown>;

/**
 * What this service provider leaves out of RFC 7644 is in README (SCIM 2.0) and in each 501's
 * detail, not in ServiceProviderConfig: RFC 7643 §5 has no place for it, and an extension schema
 * there is one strict clients validate against /Schemas (and stop on). The flags RFC 7643 §5 has
 * (bulk, changePassword, ...) say false.
 */

interface AttributeOptions {
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  multiValued?: boolean;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: Json[];
}

/** One attribute definition of RFC 7643 §7, with its defaults spelled out. */
function attribute(name: string, type: string, description: string, options: AttributeOptions = {}): Json {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description,
    required: options.required ?? false,
    ...(options.canonicalValues ? { canonicalValues: options.canonicalValues } : {}),
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
    ...(options.subAttributes ? { subAttributes: options.subAttributes } : {}),
  };
}

const text = (name: string, description: string, options: AttributeOptions = {}) =>
  attribute(name, 'string', description, options);
const typed = (description: string, canonicalValues: string[]) => text('type', description, { canonicalValues });
const primary = (description: string) => attribute('primary', 'boolean', description);

const USER_ATTRIBUTES: Json[] = [
  text('userName', 'Unique identifier for the User within its directory, case-insensitive. Filterable.', {
    required: true,
    uniqueness: 'server',
  }),
  attribute('name', 'complex', "The components of the user's name; givenName and familyName are filterable.", {
    subAttributes: [
      text('formatted', 'The full name, formatted for display.'),
      text('familyName', 'The family name.'),
      text('givenName', 'The given name.'),
      text('middleName', 'The middle name(s).'),
      text('honorificPrefix', 'Honorific prefix(es), e.g. "Ms.".'),
      text('honorificSuffix', 'Honorific suffix(es), e.g. "III".'),
    ],
  }),
  text('displayName', 'The name shown for the User; becomes the account display name. Filterable.'),
  text('nickName', 'A casual name. Stored and returned as sent.'),
  text('title', "The user's title. Stored and returned as sent."),
  text('userType', 'The relationship to the organization. Stored and returned as sent.'),
  text('preferredLanguage', 'Preferred written or spoken language. Stored and returned as sent.'),
  text('locale', 'Default location for localization. Stored and returned as sent.'),
  text('timezone', 'Time zone, IANA format. Stored and returned as sent.'),
  attribute(
    'active',
    'boolean',
    'false deactivates the linked account; true reactivates it. Filterable. "True"/"False" strings are accepted.',
  ),
  attribute(
    'emails',
    'complex',
    "Email addresses; the primary one (else the work one, else the first) is the account's email. Filterable.",
    {
      multiValued: true,
      subAttributes: [
        text('value', 'An email address; must be a valid address.'),
        text('display', 'A human-readable name.'),
        typed('The kind of address.', ['work', 'home', 'other']),
        primary('The primary address; at most one.'),
      ],
    },
  ),
  attribute('phoneNumbers', 'complex', 'Phone numbers. Stored and returned as sent.', {
    multiValued: true,
    subAttributes: [
      text('value', 'The phone number.'),
      typed('The kind of number.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
      primary('The primary number.'),
    ],
  }),
  attribute('addresses', 'complex', 'Physical addresses. Stored and returned as sent.', {
    multiValued: true,
    subAttributes: [
      text('formatted', 'The full address.'),
      text('streetAddress', 'Street address.'),
      text('locality', 'City or locality.'),
      text('region', 'State or region.'),
      text('postalCode', 'Postal code.'),
      text('country', 'Country, ISO 3166-1 alpha-2.'),
      typed('The kind of address.', ['work', 'home', 'other']),
      primary('The primary address.'),
    ],
  }),
  attribute('groups', 'complex', 'The Groups the User is a member of, from Group memberships. Read-only.', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      text('value', 'The id of the Group.', { mutability: 'readOnly' }),
      attribute('$ref', 'reference', 'The URI of the Group.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      text('display', "The Group's displayName.", { mutability: 'readOnly' }),
      typed('How the membership is held; always "direct" here.', ['direct', 'indirect']),
    ],
  }),
];

const ENTERPRISE_ATTRIBUTES: Json[] = [
  text('employeeNumber', 'Employee number. Stored and returned as sent.'),
  text('costCenter', 'Cost center. Stored and returned as sent.'),
  text('organization', 'Organization. Stored and returned as sent.'),
  text('division', 'Division. Stored and returned as sent.'),
  text('department', 'Department. Stored and returned as sent.'),
  attribute('manager', 'complex', "The user's manager; a bare id string in a PATCH is taken as its value.", {
    subAttributes: [
      text('value', 'The id of the manager.'),
      attribute('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
      text('displayName', "The manager's displayName.", { mutability: 'readOnly' }),
    ],
  }),
];

const GROUP_ATTRIBUTES: Json[] = [
  text('displayName', 'The name of the Group. Filterable.', { required: true }),
  attribute('members', 'complex', 'Users of the same directory in the Group; `members[value eq "id"]` is filterable.', {
    multiValued: true,
    subAttributes: [
      text('value', 'The id of a User of this directory.', { mutability: 'immutable' }),
      attribute('$ref', 'reference', 'The URI of the User.', { mutability: 'immutable', referenceTypes: ['User'] }),
      text('display', "The User's displayName, else userName.", { mutability: 'readOnly' }),
      typed('The kind of member; only User.', ['User']),
    ],
  }),
];

const SCHEMAS = [
  { id: SCHEMA.user, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  {
    id: SCHEMA.enterpriseUser,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: ENTERPRISE_ATTRIBUTES,
  },
  { id: SCHEMA.group, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
];

const RESOURCE_TYPES = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: SCHEMA.user,
    schemaExtensions: [{ schema: SCHEMA.enterpriseUser, required: false }],
  },
  { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: SCHEMA.group, schemaExtensions: [] },
];

function serviceProviderConfig(base: string): Json {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          "The directory's SCIM token, sent as Authorization: Bearer <token>. Issued by createDirectory, replaced by rotateDirectoryToken.",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

const schemaResource = (base: string, schema: (typeof SCHEMAS)[number]) => ({
  schemas: [SCHEMA.schema],
  ...schema,
  meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
});

const resourceTypeResource = (base: string, type: (typeof RESOURCE_TYPES)[number]) => ({
  schemas: [SCHEMA.resourceType],
  ...type,
  meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.id}` },
});

const listOf = (resources: Json[]) => ({
  schemas: [SCHEMA.listResponse],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

const notImplemented = (what: string) => (_req: Request, res: Response) => {
  sendScimError(res, new ScimError(501, `${what} is not implemented (README, SCIM 2.0: not implemented).`));
};

/** ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4), readable with the directory's token; and what is left out. */
export function discoveryRoutes(): Router {
  const router = Router();
  router.get('/ServiceProviderConfig', (req, res) => {
    sendScim(res, 200, serviceProviderConfig(directoryBaseUrl(req, res)));
  });
  router.get('/ResourceTypes', (req, res) => {
    sendScim(res, 200, listOf(RESOURCE_TYPES.map((type) => resourceTypeResource(directoryBaseUrl(req, res), type))));
  });
  router.get('/ResourceTypes/:name', (req, res) => {
    const type = RESOURCE_TYPES.find((candidate) => candidate.id.toLowerCase() === req.params.name.toLowerCase());
    if (!type) {
      sendScimError(res, notFound('ResourceType'));
      return;
    }
    sendScim(res, 200, resourceTypeResource(directoryBaseUrl(req, res), type));
  });
  router.get('/Schemas', (req, res) => {
    sendScim(res, 200, listOf(SCHEMAS.map((schema) => schemaResource(directoryBaseUrl(req, res), schema))));
  });
  router.get('/Schemas/:id', (req, res) => {
    const schema = SCHEMAS.find((candidate) => candidate.id.toLowerCase() === req.params.id.toLowerCase());
    if (!schema) {
      sendScimError(res, notFound('Schema'));
      return;
    }
    sendScim(res, 200, schemaResource(directoryBaseUrl(req, res), schema));
  });
  router.all('/Bulk', notImplemented('Bulk'));
  router.all(['/Me', '/Me/*rest'], notImplemented('/Me'));
  router.post('/.search', notImplemented('Searching across resource types'));
  router.get('/', notImplemented('Querying across resource types'));
  return router;
}
