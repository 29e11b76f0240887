import { Authorized, Directive, type ResolverData } from 'type-graphql';
import { forbidden, unauthenticated } from '../common';
import type { Principal } from './principal';
import type { Scope } from './scopes';

export interface AuthState {
  principal?: Principal;
  /** Why a presented token was refused; reported only when a field needs a caller. */
  authError?: string;
}

/**
 * The subgraph enforces its own access: the router may enforce `@requiresScopes` too, but a
 * subgraph reachable without it must not trust that it did.
 */
export const authChecker = (
  { context }: Pick<ResolverData<AuthState>, 'context'>,
  scopes: readonly Scope[],
): boolean => {
  authorizedPrincipal(context, scopes);
  return true;
};

/** The caller, when it holds every scope; else UNAUTHENTICATED or FORBIDDEN. */
function authorizedPrincipal(state: AuthState, scopes: readonly Scope[]): Principal {
  const principal = state.principal;
  if (!principal) throw unauthenticated(state.authError ? `Invalid bearer token: ${state.authError}` : undefined);
  for (const scope of scopes) if (!principal.scopes.has(scope)) throw forbidden(scope);
  return principal;
}

/** The principal of a request whose field was authorized, or UNAUTHENTICATED. */
export function requirePrincipal(state: AuthState): Principal {
  return authorizedPrincipal(state, []);
}

/** Checks a scope outside type-graphql's middleware (federation reference resolvers). */
export function assertScope(state: AuthState, scope: Scope): Principal {
  return authorizedPrincipal(state, [scope]);
}

/**
 * Enforced here (type-graphql `@Authorized`) and declared in the SDL (`@requiresScopes`) for a
 * router that enforces authorization as well: one decorator, so the two cannot drift.
 */
export function RequireScope(scope: Scope): MethodDecorator & PropertyDecorator {
  return (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor) => {
    Authorized(scope)(target, propertyKey, descriptor as never);
    Directive(`@requiresScopes(scopes: [["${scope}"]])`)(target, propertyKey, descriptor as never);
  };
}
