import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap } from 'type-graphql';
import { authChecker } from './auth';
import {
  AccountMutationResolver,
  AccountResolver,
  accountReferenceResolvers,
  DomainMigrationResolver,
  DomainResolver,
  domainReferenceResolvers,
  DomainMutationResolver,
  DirectoryResolver,
  directoryReferenceResolvers,
  DirectoryMutationResolver,
  ScimPushResolver,
  ScimRecordMutationResolver,
  ScimRecordResolver,
  scimRecordReferenceResolvers,
  AccountScimGroupsResolver,
  ScimGroupResolver,
  ScimRecordGroupsResolver,
  ConflictMutationResolver,
  ConflictResolver,
  conflictReferenceResolvers,
  GovernanceReportResolver,
  AuditResolver,
  OrganizationResolver,
  WebhookResolver,
  planEntities,
} from './graphql';
import { checkEntityRepresentations } from './federation';

/** The Federation 2 features this subgraph uses; composition reads them from the @link. */
const FEDERATION_LINK = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@requiresScopes", "@authenticated"])
`;

const resolvers = [
  OrganizationResolver,
  AccountResolver,
  AccountMutationResolver,
  DomainResolver,
  DomainMutationResolver,
  DomainMigrationResolver,
  DirectoryResolver,
  DirectoryMutationResolver,
  ScimRecordResolver,
  ScimRecordMutationResolver,
  ScimPushResolver,
  ScimGroupResolver,
  AccountScimGroupsResolver,
  ScimRecordGroupsResolver,
  ConflictResolver,
  ConflictMutationResolver,
  AuditResolver,
  GovernanceReportResolver,
  WebhookResolver,
] as const;

const referenceResolvers = [
  accountReferenceResolvers,
  domainReferenceResolvers,
  directoryReferenceResolvers,
  scimRecordReferenceResolvers,
  conflictReferenceResolvers,
];

let built: Promise<GraphQLSchema> | undefined;

/**
 * type-graphql builds the types and resolvers from the decorated classes; the printed SDL,
 * with its directives and the federation @link, then becomes a subgraph schema that answers
 * `_service` and `_entities` (whose representations are checked before any reference resolver runs).
 */
export function buildGovernanceSchema(): Promise<GraphQLSchema> {
  return (built ??= (async () => {
    const schema = await buildSchema({
      resolvers,
      authChecker,
      authMode: 'error',
      validate: false,
      skipCheck: true,
    });
    // Sorted: the SDL is a reviewed artifact, and type-graphql prints types in module load order,
    // so moving a file would otherwise reorder it.
    const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}`);
    const resolverMap = createResolversMap(schema) as Record<string, Record<string, unknown>>;
    for (const reference of referenceResolvers) {
      for (const [typeName, fields] of Object.entries<Record<string, unknown>>(reference))
        resolverMap[typeName] = { ...resolverMap[typeName], ...fields };
    }
    return checkEntityRepresentations(
      buildSubgraphSchema([{ typeDefs, resolvers: resolverMap as never }]),
      planEntities,
    );
  })());
}
