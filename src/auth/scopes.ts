/** OAuth-style scopes carried by the caller's JWT (`scope` claim, space separated, or `scopes` array). */
export const Scope = {
  READ: 'governance:read',
  WRITE: 'governance:write',
  /** Directories, SCIM tokens and domain verification. */
  ADMIN: 'governance:admin',
  AUDIT_READ: 'audit:read',
} as const;

export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: Scope[] = Object.values(Scope);
