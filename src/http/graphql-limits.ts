import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { collectFields, getArgumentValues } from '@graphql-tools/utils';
import {
  GraphQLError,
  getNullableType,
  getVariableValues,
  isListType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldMap,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Context } from '../context';
import type { WorkBudget } from './rate-limit';

/**
 * Query-shape limits, set above what portals and the gateway's query plans need (the deepest
 * portal query is ~10 levels; _entities batches pass representations as variables, not tokens).
 */
export function graphqlArmor(production: boolean) {
  return new ApolloArmor({
    maxDepth: { n: 15, exposeLimits: !production },
    maxAliases: { n: 30, exposeLimits: !production },
    costLimit: { maxCost: 50_000, exposeLimits: !production },
    // The armor's token counter parses the document a second time inside a plugin hook, where a
    // syntax error is an unexpected failure (500); Apollo's own parse counts tokens (MAX_TOKENS).
    maxTokens: { enabled: false },
    maxDirectives: { n: 50, exposeLimits: !production },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}

/** Documents longer than this are not parsed to the end (graphql-js stops lexing at the limit). */
const MAX_TOKENS = 5_000;

/** Apollo's parse options: the token limit, enforced while parsing. */
export const parseOptions = { maxTokens: MAX_TOKENS };

/**
 * graphql-js reports the token limit as a syntax error; it is a query-shape limit like depth and
 * aliases, so it answers the same code (GRAPHQL_VALIDATION_FAILED, 400), without the number in production.
 */
export function tokenLimitRefusal(error: unknown, production: boolean): GraphQLFormattedError | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || !/^Syntax Error: Document contains more th(?:at|an) \d+ tokens/.test(message))
    return undefined;
  return {
    message: production ? 'The query is too long.' : `The query is longer than ${MAX_TOKENS} tokens.`,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  };
}

/**
 * The work a mutation operation asks for: one unit per root field as executed (each alias counts;
 * @skip/@include and fragments are honoured), and a field with list arguments counts their
 * combined length instead (`claimAccounts(ids:)` with 500 ids is 500 units). Generic on purpose: a
 * new bulk mutation is counted by its list arguments without code here.
 */
export function mutationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
): number {
  const mutationType = schema.getMutationType();
  if (!mutationType) return 0;
  const { coerced: variables } = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Variables that do not coerce refuse the whole operation before any field runs: one unit.
  if (variables === undefined) return 1;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const { fields } = collectFields(schema, fragments, variables, mutationType, operation.selectionSet);
  // Partial: __typename is not among the type's own fields.
  const definitions: Partial<GraphQLFieldMap<unknown, unknown>> = mutationType.getFields();
  let cost = 0;
  for (const nodes of fields.values()) {
    const definition = definitions[nodes[0].name.value];
    let bulk = 0;
    if (definition) {
      try {
        const args = getArgumentValues(definition, nodes[0], variables);
        for (const argument of definition.args) {
          const value: unknown = args[argument.name];
          if (isListType(getNullableType(argument.type)) && Array.isArray(value)) bulk += value.length;
        }
      } catch {
        // An argument that does not coerce fails that field at execution: it costs one unit.
      }
    }
    cost += Math.max(1, bulk);
  }
  return cost;
}

/**
 * Mutations spend a per-caller budget (mutationCost units a minute) shared by every replica. Over
 * it: 429 with Retry-After and nothing runs; more than a whole minute's budget in one request:
 * BAD_USER_INPUT, since waiting would not help.
 */
export function mutationRateLimit(budget: WorkBudget): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          if (operation?.operation !== OperationTypeNode.MUTATION || !contextValue.principal) return;
          const cost = mutationCost(schema, document, operation, request.variables);
          if (cost > budget.perMinute) {
            throw new GraphQLError(
              `This request is ${cost} units of work (one per mutation, bulk arguments by their length), more than the ${budget.perMinute} a minute a caller may spend; split it.`,
              { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
            );
          }
          const { subject, organizationId } = contextValue.principal;
          const verdict = await budget.spend(`mutations:${organizationId}:${subject}`, cost);
          if (verdict.allowed) return;
          // Apollo reads http.headers as a Map; typed loosely because graphql-yoga's types (present for
          // Hive Gateway and GraphiQL) declare it a Record for every GraphQLError in the program.
          const extensions: Record<string, unknown> = {
            code: 'RATE_LIMITED',
            retryAfterSeconds: verdict.retryAfterSeconds,
            http: { status: 429, headers: new Map([['retry-after', String(verdict.retryAfterSeconds)]]) },
          };
          throw new GraphQLError(
            `Too many mutations: at most ${budget.perMinute} units of work a minute per caller (one per mutation, bulk arguments by their length). Retry after ${verdict.retryAfterSeconds} s.`,
            { extensions },
          );
        },
      };
    },
  };
}

/** Postgres text cannot hold NUL: refuse it up front, as bad input, rather than fail as a 500 later. */
export const rejectNulCharacters: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request }) {
        if (/\\u0000/i.test(request.query ?? '') || containsNul(request.variables)) {
          throw new GraphQLError('Text arguments cannot contain the NUL character (\\u0000).', {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
      },
    };
  },
};

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}
