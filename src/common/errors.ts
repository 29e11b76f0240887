import { GraphQLError } from 'graphql';

/**
 * Failures that are not a rule saying no: the caller is unknown, lacks a scope, names
 * something that is not there, or sent input that cannot be read. They surface as GraphQL
 * errors with `extensions.code`; rule refusals are returned as `userErrors` instead.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'RATE_LIMITED';

export function graphQLError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const unauthenticated = (message = 'Authentication required: send Authorization: Bearer <token>.') =>
  graphQLError('UNAUTHENTICATED', message);

export const forbidden = (scope: string) =>
  graphQLError('FORBIDDEN', `This operation needs the "${scope}" scope.`, { requiredScope: scope });

export const badUserInput = (argument: string, message: string) =>
  graphQLError('BAD_USER_INPUT', `${argument}: ${message}`, { argument });
