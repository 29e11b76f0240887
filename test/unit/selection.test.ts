import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { connectionNodes, selectionOf, type Selection } from '../../src/graphql/selection';

const schema = buildSchema(`
  type Account { id: ID! email: String! domain: Domain conflicts(status: String): [Conflict!]! }
  type Domain { id: ID! name: String! }
  type Conflict { id: ID! kind: String! account: Account holder: Account }
  type ConflictEdge { cursor: String! node: Conflict! }
  type ConflictConnection { edges: [ConflictEdge!]! nodes: [Conflict!]! }
  union _Entity = Account | Domain
  type Query {
    conflicts(first: Int): ConflictConnection!
    _entities: [_Entity]!
  }
`);

/** The selection the root field saw for `query` (its value is never resolved further). */
async function seen(query: string, variables?: Record<string, unknown>): Promise<Selection> {
  let captured: Selection | undefined;
  const capture = (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
    captured = selectionOf(info);
    return null;
  };
  await graphql({
    schema,
    source: query,
    variableValues: variables,
    rootValue: { conflicts: capture, _entities: capture },
  });
  if (!captured) throw new Error('the root field did not run');
  return captured;
}

describe('selectionOf: what a list field will be asked for', () => {
  it('reads the nodes through edges { node } and nodes alike', async () => {
    const viaEdges = connectionNodes(await seen(`{ conflicts { edges { cursor node { id account { email } } } } }`));
    expect(viaEdges.names).toEqual(['id', 'account']);
    expect(viaEdges.field('account').names).toEqual(['email']);
    const viaNodes = connectionNodes(await seen(`{ conflicts { nodes { holder { id } } } }`));
    expect(viaNodes.names).toEqual(['holder']);
    const both = connectionNodes(await seen(`{ conflicts { nodes { holder { id } } edges { node { kind } } } }`));
    expect(both.names.sort()).toEqual(['holder', 'kind']);
  });

  it('spreads named and inline fragments, with or without a type condition', async () => {
    const nodes = connectionNodes(
      await seen(`
        query { conflicts { edges { node { ...Queue ... on Conflict { holder { id } } ... { kind } } } } }
        fragment Queue on Conflict { account { ...Who } }
        fragment Who on Account { email domain { name } }
      `),
    );
    expect(nodes.names.sort()).toEqual(['account', 'holder', 'kind']);
    expect(nodes.field('account').names).toEqual(['email', 'domain']);
    expect(nodes.path('account', 'domain').names).toEqual(['name']);
  });

  it('keeps every alias of a field with its own arguments, variables applied', async () => {
    const nodes = connectionNodes(
      await seen(
        `query($status: String) { conflicts { edges { node { account {
           open: conflicts(status: $status) { id } all: conflicts { kind } } } } } }`,
        { status: 'OPEN' },
      ),
    );
    const requests = nodes.field('account').all('conflicts');
    expect(requests.map((request) => [request.alias, request.args])).toEqual([
      ['open', { status: 'OPEN' }],
      ['all', {}],
    ]);
    // Merged, the field's sub-selection is the union of the aliases'.
    expect(nodes.field('account').field('conflicts').names.sort()).toEqual(['id', 'kind']);
  });

  it('merges the same field selected twice (aliases of edges, repeated nodes)', async () => {
    const nodes = connectionNodes(
      await seen(`{ conflicts { a: edges { node { account { id } } } b: edges { node { holder { id } } } } }`),
    );
    expect(nodes.names.sort()).toEqual(['account', 'holder']);
  });

  it('applies @skip and @include', async () => {
    const nodes = connectionNodes(
      await seen(
        `query($yes: Boolean!, $no: Boolean!) { conflicts { edges { node {
           account @include(if: $yes) { id } holder @include(if: $no) { id }
           ... @skip(if: $yes) { kind } id @skip(if: $no) } } } }`,
        { yes: true, no: false },
      ),
    );
    expect(nodes.names.sort()).toEqual(['account', 'id']);
  });

  it('narrows an abstract result to one of its types (an _entities call)', async () => {
    const entities = await seen(`{ _entities { ... on Account { email domain { name } } ... on Domain { name } } }`);
    expect(entities.on('Account').names).toEqual(['email', 'domain']);
    expect(entities.on('Domain').names).toEqual(['name']);
    expect(entities.on('Account').has('name')).toBe(false);
  });

  it('answers an empty selection for fields not asked for', async () => {
    const nodes = connectionNodes(await seen(`{ conflicts { edges { cursor } } }`));
    expect(nodes.names).toEqual([]);
    expect(nodes.has('account')).toBe(false);
    expect(nodes.field('account').names).toEqual([]);
  });
});
