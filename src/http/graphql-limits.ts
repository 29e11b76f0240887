import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from '../context';
import type { RateLimiter } from './rate-limit';

/**
 * Query-shape limits, set above what portals and the gateway's query plans need (the deepest
 * portal query is ~10 levels; _entities batches pass representations as variables, not tokens).
 */
export function graphqlArmor(production: boolean) {
  return new ApolloArmor({
    maxDepth: { n: 15, exposeLimits: !production },
    maxAliases: { n: 30, exposeLimits: !production },
    costLimit: { maxCost: 50_000, exposeLimits: !production },
    maxTokens: { n: 5_000, exposeLimits: !production },
    maxDirectives: { n: 50, exposeLimits: !production },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}

/** Mutations are rate-limited per caller; a refusal is a 429 with Retry-After. */
export function mutationRateLimit(limiter: RateLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation' || !contextValue.principal) return;
          const { subject, organizationId } = contextValue.principal;
          const verdict = limiter.take(`${organizationId}:${subject}`);
          if (verdict.allowed) return;
          // Apollo reads http.headers as a Map; typed loosely because graphql-yoga's types (present for
          // Hive Gateway and GraphiQL) declare it a Record for every GraphQLError in the program.
          const extensions: Record<string, unknown> = {
            code: 'RATE_LIMITED',
            retryAfterSeconds: verdict.retryAfterSeconds,
            http: { status: 429, headers: new Map([['retry-after', String(verdict.retryAfterSeconds)]]) },
          };
          throw new GraphQLError(
            `Too many mutations: at most ${limiter.perMinute} a minute per caller. Retry after ${verdict.retryAfterSeconds} s.`,
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
