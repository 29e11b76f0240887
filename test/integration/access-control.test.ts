import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { SDL_PATH } from '../../src/schema-emit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { tableContents } from '../support/snapshot';
import { fixtures } from '../support/fixtures';

const FEDERATION_FIELDS = new Set(['_service', '_entities']);
const schema = buildASTSchema(parse(readFileSync(SDL_PATH, 'utf8')), { assumeValidSDL: true });
const rootFields = (['Query', 'Mutation'] as const).flatMap((root) =>
  Object.values(schema.getRootType(root === 'Query' ? ('query' as never) : ('mutation' as never))?.getFields() ?? {})
    .filter((field) => !FEDERATION_FIELDS.has(field.name))
    .map((field) => ({ root, field })),
);

/** A value of the argument's type, so that the request passes validation and reaches the resolver. */
function sampleValue(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return `[${sampleValue(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) return '{}';
  if (type.name === 'Int') return '1';
  if (type.name === 'Boolean') return 'false';
  return '"00000000-0000-4000-8000-000000000000"';
}

function documentFor(root: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((arg) => isNonNullType(arg.type));
  const argText = args.length ? `(${args.map((arg) => `${arg.name}: ${sampleValue(arg.type)}`).join(', ')})` : '';
  let type = field.type;
  while (isNonNullType(type) || isListType(type)) type = type.ofType;
  const selection = isObjectType(type) ? ' { __typename }' : '';
  return `${root === 'Query' ? 'query' : 'mutation'} { ${field.name}${argText}${selection} }`;
}

describe('access control on every root field', () => {
  let db: TestDatabase;
  let app: TestServer;
  let organizationId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    organizationId = (await fixtures(db.dataSource).organization('locked')).id;
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('declares @requiresScopes in the SDL on every query and mutation, for a router that enforces it too', () => {
    expect(rootFields.length).toBeGreaterThan(30);
    const undeclared = rootFields.filter(
      ({ field }) => !field.astNode?.directives?.some((directive) => directive.name.value === 'requiresScopes'),
    );
    expect(undeclared.map(({ field }) => field.name)).toEqual([]);
  });

  it.each(rootFields.map(({ root, field }) => [`${root}.${field.name}`, root, field] as const))(
    '%s refuses a caller without a token, and one without the scope, writing nothing',
    async (_, root, field) => {
      const document = documentFor(root, field);
      const before = await tableContents(db.dataSource);
      const anonymous = await app.gql(document);
      expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      const scopeless = await app.gql(document, undefined, { token: await app.token(organizationId, []) });
      expect(scopeless.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await tableContents(db.dataSource)).toEqual(before);
    },
  );
});
