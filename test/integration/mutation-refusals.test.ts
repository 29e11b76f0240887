import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { buildGovernanceSchema } from '../../src/schema';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';

/** Mutations without an idempotencyKey: a stored replay would have to keep the SCIM token they return. */
const WITHOUT_KEY = ['createDirectory', 'rotateDirectoryToken'];

/** A value GraphQL accepts for the type; only the runner's key checks are under test, not the arguments. */
function sample(type: GraphQLInputType, salt: string): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sample(inner.ofType, salt)];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isInputObjectType(inner)) {
    return Object.fromEntries(
      Object.values(inner.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, sample(field.type, salt)]),
    );
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'ID':
        return randomUUID();
      case 'Int':
        return 1;
      case 'Boolean':
        return false;
      case 'String':
        return `${salt}.example`;
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** Every field a client can select without arguments: scalars as they are, objects by __typename. */
function selectionOf(type: GraphQLObjectType): string {
  return Object.values(type.getFields())
    .filter((field) => field.args.every((arg) => !isNonNullType(arg.type)))
    .map((field) => {
      const named = getNamedType(field.type);
      if (field.name === 'userErrors') return 'userErrors { code field }';
      return isObjectType(named) ? `${field.name} { __typename }` : field.name;
    })
    .join(' ');
}

/** The non-null fields a refusal must still fill (GraphQL answers INTERNAL_SERVER_ERROR when one is null). */
const nonNullFields = (type: GraphQLObjectType) =>
  Object.values(type.getFields())
    .filter((field) => isNonNullType(field.type) && field.args.every((arg) => !isNonNullType(arg.type)))
    .map((field) => field.name);

/**
 * Every field of Mutation, read from the built schema so a new mutation cannot be left out: its
 * refusals (an invalid idempotencyKey, a key already spent on another request) are complete
 * payloads, never GraphQL errors.
 */
describe('every mutation refuses a bad idempotencyKey with a complete payload', () => {
  let db: TestDatabase;
  let app: TestServer;
  let token: string;
  let mutations: Array<GraphQLField<unknown, unknown>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const organization = await fixtures(db.dataSource).organization('refusals');
    token = await app.token(organization.id);
    mutations = Object.values((await buildGovernanceSchema()).getMutationType()!.getFields());
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const hasKey = (mutation: GraphQLField<unknown, unknown>) => mutation.args.some((a) => a.name === 'idempotencyKey');

  async function call(mutation: GraphQLField<unknown, unknown>, key: string, salt: string) {
    const args = mutation.args.filter(
      (arg: GraphQLArgument) => arg.name !== 'idempotencyKey' && isNonNullType(arg.type),
    );
    const declared = [...args.map((arg) => `$${arg.name}: ${String(arg.type)}`), '$key: String'].join(', ');
    const passed = [...args.map((arg) => `${arg.name}: $${arg.name}`), 'idempotencyKey: $key'].join(', ');
    const payloadType = getNamedType(mutation.type) as GraphQLObjectType;
    const response = await app.gql<Record<string, Record<string, unknown>>>(
      `mutation(${declared}) { ${mutation.name}(${passed}) { ${selectionOf(payloadType)} } }`,
      { ...Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type, salt)])), key },
      { token },
    );
    return { response, payload: response.data?.[mutation.name], required: nonNullFields(payloadType) };
  }

  it('finds the mutations, and only the known ones take no idempotencyKey', () => {
    expect(mutations.length).toBeGreaterThan(15);
    expect(mutations.filter((mutation) => !hasKey(mutation)).map((mutation) => mutation.name)).toEqual(WITHOUT_KEY);
  });

  /** What a refusal looks like per mutation, compared all at once so one run names every broken mutation. */
  const shape = async (mutation: GraphQLField<unknown, unknown>, key: string, salt: string) => {
    const { response, payload, required } = await call(mutation, key, salt);
    return {
      mutation: mutation.name,
      errors:
        response.errors?.map((error) => `${String(error.extensions?.code)}: ${String(error.path?.join('.'))}`) ?? [],
      userErrors: payload?.userErrors,
      nullNonNullFields: payload ? required.filter((field) => payload[field] == null) : required,
    };
  };
  const refused = (mutation: GraphQLField<unknown, unknown>, code: string) => ({
    mutation: mutation.name,
    errors: [],
    userErrors: [{ code, field: 'idempotencyKey' }],
    nullNonNullFields: [],
  });

  it('answers idempotencyKey "" with INVALID_INPUT on idempotencyKey, for every mutation', async () => {
    const keyed = mutations.filter(hasKey);
    const answers = [];
    for (const mutation of keyed) answers.push(await shape(mutation, '', randomUUID().slice(0, 8)));
    expect(answers).toEqual(keyed.map((mutation) => refused(mutation, 'INVALID_INPUT')));
  });

  it('answers a key already used with other arguments with IDEMPOTENCY_KEY_REUSED, for every mutation', async () => {
    const addDomain = mutations.find((mutation) => mutation.name === 'addDomain')!;
    const keyed = mutations.filter(hasKey);
    const answers = [];
    for (const mutation of keyed) {
      const key = `spent-${randomUUID()}`;
      // The first request applies (a refusal would roll its key back), so the key is taken for good.
      const first = await call(addDomain, key, `first-${randomUUID().slice(0, 8)}`);
      expect(first.payload).toMatchObject({ userErrors: [], replayed: false });
      answers.push(await shape(mutation, key, `other-${randomUUID().slice(0, 8)}`));
    }
    expect(answers).toEqual(keyed.map((mutation) => refused(mutation, 'IDEMPOTENCY_KEY_REUSED')));
  });
});
