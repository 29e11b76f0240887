import { sql } from 'kysely';
import { tag, type Db } from '../db/kysely';
import { AccountStatus } from '../accounts';

/** An unmanaged account a verification makes claimable, with the SCIM record waiting on it, if any. */
export interface ClaimableAccount {
  id: string;
  email: string;
  emailDomain: string;
  waitingRecordId: string | null;
  waitingDirectoryId: string | null;
}

/**
 * The statements of a domain verification that span features (accounts and SCIM records). Raw
 * `sql` over those features' tables: their typed tables belong to their own stores.
 */
export class DomainVerificationStore {
  constructor(private readonly db: Db) {}

  /**
   * The organization's unmanaged, not deactivated accounts on the domain (what rule R3's
   * UNMANAGED_ACCOUNT is about once the domain is verified) that have no OPEN one yet, each with the oldest unlinked record
   * waiting on its address, as the rescan picks it.
   */
  async claimableOn(organizationId: string, domainName: string): Promise<ClaimableAccount[]> {
    const { rows } = await sql<ClaimableAccount>`
      SELECT a.id, a.email, a.email_domain, w.id AS waiting_record_id, w.directory_id AS waiting_directory_id
        FROM account a
        LEFT JOIN LATERAL (SELECT r.id, r.directory_id FROM scim_record r
                            WHERE r.organization_id = ${organizationId} AND r.account_id IS NULL
                              AND lower(r.email) = lower(a.email)
                            ORDER BY r.created_at LIMIT 1) w ON true
       WHERE a.organization_id = ${organizationId} AND a.email_domain = ${domainName}
         AND NOT a.managed AND a.status <> ${AccountStatus.DEACTIVATED}
         -- One a pushed record already waits on keeps its conflict (and the summary that says so).
         AND NOT EXISTS (SELECT 1 FROM conflict c
                          WHERE c.organization_id = ${organizationId} AND c.status = 'OPEN'
                            AND c.kind = 'UNMANAGED_ACCOUNT' AND c.cause_key = 'account:' || a.id)
      ${tag('verifyDomain:claimable')}`.execute(this.db);
    return rows;
  }
}
