import { Kind, buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { mutationCost } from '../../src/http/graphql-limits';

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Result { ok: Boolean }
  type Mutation {
    one(id: ID!): Result
    bulk(ids: [ID!]!, tags: [String!]): Result
  }
`);

const cost = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return mutationCost(schema, document, operation, variables);
};

describe('mutationCost', () => {
  it('counts one unit per root field as executed: aliases count, a field selected twice runs once', () => {
    expect(cost('mutation { one(id: 1) { ok } }')).toBe(1);
    expect(cost('mutation { a: one(id: 1) { ok } b: one(id: 2) { ok } c: one(id: 3) { ok } }')).toBe(3);
    expect(cost('mutation { one(id: 1) { ok } one(id: 1) { ok } }')).toBe(1);
  });

  it('counts fields reached through fragments, and not those skipped', () => {
    expect(
      cost(`mutation { ...F ... on Mutation { c: one(id: 3) { ok } } }
            fragment F on Mutation { a: one(id: 1) { ok } b: one(id: 2) { ok } }`),
    ).toBe(3);
    expect(
      cost('mutation($no: Boolean!) { a: one(id: 1) @skip(if: $no) { ok } b: one(id: 2) { ok } }', { no: true }),
    ).toBe(1);
  });

  it('counts list arguments by their combined length, inline or in variables', () => {
    expect(cost('mutation { bulk(ids: [1, 2, 3]) { ok } }')).toBe(3);
    expect(cost('mutation($ids: [ID!]!) { bulk(ids: $ids, tags: ["x", "y"]) { ok } }', { ids: [1, 2, 3, 4] })).toBe(6);
    // A single value where a list is expected is coerced to a list of one.
    expect(cost('mutation { bulk(ids: 7) { ok } }')).toBe(1);
    expect(cost('mutation { a: bulk(ids: [1, 2]) { ok } b: bulk(ids: [3, 4, 5]) { ok } }')).toBe(5);
    // An empty list still runs the mutation once.
    expect(cost('mutation { bulk(ids: []) { ok } }')).toBe(1);
  });

  it('counts one unit when the variables do not coerce: the operation is refused whole, nothing runs', () => {
    expect(cost('mutation($ids: [ID!]!) { a: bulk(ids: $ids) { ok } b: one(id: 1) { ok } }', { ids: [null] })).toBe(1);
  });
});

describe('mutationCost with variables that do not coerce', () => {
  it('does not throw when a @skip condition is missing: execution refuses the operation itself', () => {
    expect(cost('mutation($no: Boolean!) { a: one(id: 1) @skip(if: $no) { ok } b: one(id: 2) { ok } }', {})).toBe(1);
  });
});
