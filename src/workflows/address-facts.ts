import type { Db } from '../db';
import type { Party, R8Facts } from '../rules';
import { AccountStore } from '../accounts';
import { domainOwnedElsewhere } from '../domains';

/**
 * What rules R8 and R6 need to know about an address an account of `organizationId` would take
 * (`exceptAccountId`, the account changing, aside): who holds it, and whether another
 * organization verified its domain. Only `others` or not matters for the domain of an address
 * being taken, so `domainVerifiedBy` is never `us` here.
 */
export async function takingFacts(
  db: Db,
  organizationId: string,
  email: string,
  exceptAccountId: string,
): Promise<{ facts: R8Facts; holderEmail: string | null }> {
  const ownedElsewhere = await domainOwnedElsewhere(
    db,
    organizationId,
    email.slice(email.lastIndexOf('@') + 1).toLowerCase(),
  );
  const holder = await new AccountStore(db).emailHolder(email, exceptAccountId);
  const heldBy: Party = !holder ? 'none' : holder.organizationId === organizationId ? 'us' : 'others';
  return {
    facts: { email, heldBy, domainVerifiedBy: ownedElsewhere ? 'others' : 'none', taking: true },
    // Another organization's holder is never described.
    holderEmail: holder && heldBy === 'us' ? holder.email : null,
  };
}
