import type { MutationScope } from '../db/transaction';
import { settleUnmanagedConflicts } from '../conflicts/conflict.ledger';

// Its own module: both account claims and domain claims use it, and domains must not import the account service.
/**
 * What a claim does to accounts (given ones, or every unmanaged one on a domain): marks them
 * managed and settles their UNMANAGED_ACCOUNT conflicts. Returns the claimed ones by id.
 */
export async function markManaged(
  m: MutationScope,
  which: { ids: string[] } | { domain: string },
): Promise<Map<string, { claimedAt: Date; version: number }>> {
  const [comment, condition, value] =
    'ids' in which
      ? ['claimAccounts', 'id = ANY($2::uuid[])', which.ids]
      : ['claimDomain', 'email_domain = $2 AND NOT managed', which.domain];
  const [rows]: [Array<{ id: string; claimed_at: Date; version: number }>, number] = await m.tx.query(
    `/* ${comment} */ UPDATE account SET managed = true, claimed_at = now(), version = version + 1, updated_at = now()
     WHERE organization_id = $1 AND ${condition} RETURNING id, claimed_at, version`,
    [m.organizationId, value],
  );
  const claimed = new Map(rows.map((row) => [row.id, { claimedAt: row.claimed_at, version: row.version }]));
  await settleUnmanagedConflicts(m, [...claimed.keys()]);
  return claimed;
}
