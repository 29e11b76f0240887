/** The face of auth/: what the rest of src/ imports from it. Other folders import auth/ only through this file. */
export { assertScope, authChecker, requirePrincipal, RequireScope } from './authorization';
export type { AuthState } from './authorization';
export { firstOrganizationAdminToken, printDevelopmentTokens } from './dev-tokens';
export type { DevelopmentToken } from './dev-tokens';
export { KnownOrganizations, unknownOrganizationMessage } from './known-organizations';
export type { Principal } from './principal';
export { Scope } from './scopes';
export { developmentSecret, mintDevelopmentToken, setUpAuth } from './setup';
export { TokenVerifier } from './tokens';
