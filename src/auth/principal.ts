import type { Scope } from './scopes';

/** Who is calling: the audit actor, the one organization they may see, and what they may do. */
export interface Principal {
  subject: string;
  organizationId: string;
  scopes: ReadonlySet<Scope>;
}
