import type { EntityManager } from 'typeorm';
import { domainOwnedElsewhere } from '../domains/domain.service';
import type { Party, R8Facts } from '../rules/rules';

/**
 * What rules R8 and R6 need to know about an address an account of `organizationId` would take
 * (`exceptAccountId`, the account changing, aside): who holds it, and whether another
 * organization verified its domain. Only `others` or not matters for the domain of an address
 * being taken, so `domainVerifiedBy` is never `us` here.
 */
export async function takingFacts(
  tx: EntityManager,
  organizationId: string,
  email: string,
  exceptAccountId: string,
): Promise<{ facts: R8Facts; holderEmail: string | null }> {
  const ownedElsewhere = await domainOwnedElsewhere(
    tx,
    organizationId,
    email.slice(email.lastIndexOf('@') + 1).toLowerCase(),
  );
  const holders: Array<{ organization_id: string; email: string }> = await tx.query(
    `/* emailHolder */ SELECT organization_id, email FROM account WHERE lower(email) = lower($1) AND id <> $2`,
    [email, exceptAccountId],
  );
  const holder = holders.at(0);
  const heldBy: Party = !holder ? 'none' : holder.organization_id === organizationId ? 'us' : 'others';
  return {
    facts: { email, heldBy, domainVerifiedBy: ownedElsewhere ? 'others' : 'none', taking: true },
    // Another organization's holder is never described.
    holderEmail: holder && heldBy === 'us' ? holder.email : null,
  };
}
