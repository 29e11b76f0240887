import { Router, type Request, type Response } from 'express';
import { ScimError, SCHEMAS as DECLARED_SCHEMAS, schemaAttribute } from '../scim';
import { directoryBaseUrl } from './resource-urls';
import { MAX_RESULTS, SCHEMA, notFound, sendScim, sendScimError } from './scim-http';

type Json = Record<string, unknown>;

/**
 * What this service provider leaves out of RFC 7644 is in README (SCIM 2.0) and in each 501's
 * detail, not in ServiceProviderConfig: RFC 7643 §5 has no place for it, and an extension schema
 * there is one strict clients validate against /Schemas (and stop on). The flags RFC 7643 §5 has
 * (bulk, changePassword, ...) say false.
 */

/** /Schemas: the declared schemas (`../resource-schemas.ts`), every characteristic spelled out. */
const SCHEMAS = DECLARED_SCHEMAS.map((schema) => ({ ...schema, attributes: schema.attributes.map(schemaAttribute) }));

const RESOURCE_TYPES = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: SCHEMA.user,
    schemaExtensions: [
      { schema: SCHEMA.enterpriseUser, required: false },
      { schema: SCHEMA.provisioning, required: false },
    ],
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
  router.get('/', notImplemented('Querying across resource types with GET (POST /.search is served)'));
  return router;
}
