import type { DataSource } from 'typeorm';
import { newDirectoryToken } from './project';

export interface BenchDataset {
  organizationId: string;
  directoryIds: string[];
  directoryTokens: string[];
  accounts: number;
  records: number;
}

/**
 * A realistic organization at benchmark scale, written with set-based SQL (generate_series) so
 * 100k rows take seconds: 50 domains (47 verified and claimed, 3 not), 3 directories, `accounts`
 * accounts each provisioned by one SCIM record, and the article's case 2,500 times over (a record
 * wanting the email another provisioned account holds), which a rescan turns into 5,000 open
 * conflicts (EMAIL_TAKEN and DUPLICATE_ACCOUNTS).
 */
export async function seedBenchDataset(db: DataSource, accounts: number, slug = 'bench'): Promise<BenchDataset> {
  const conflicted = Math.min(2_500, Math.floor(accounts / 20));
  await db.query(`DELETE FROM organization WHERE slug = $1`, [slug]);
  const [{ id: organizationId }] = await db.query<Array<{ id: string }>>(
    `INSERT INTO organization (name, slug) VALUES ('Bench Corp', $1) RETURNING id`,
    [slug],
  );

  await db.query(
    `INSERT INTO domain (organization_id, name, status, verification_token, verified_at, claimed_at)
     SELECT $1, 'd' || i || '.bench.example', CASE WHEN i < 47 THEN 'VERIFIED' ELSE 'UNVERIFIED' END, 'token-' || i,
            CASE WHEN i < 47 THEN now() END, CASE WHEN i < 47 THEN now() END
       FROM generate_series(0, 49) AS i`,
    [organizationId],
  );

  const tokens = [newDirectoryToken(), newDirectoryToken(), newDirectoryToken()];
  const directoryIds: string[] = [];
  for (const [i, token] of tokens.entries()) {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO directory (organization_id, name, provider, sso_email_attribute, scim_email_attribute, token_hash, token_issued_at)
       VALUES ($1, $2, $3, 'user.email', 'user.email', $4, now()) RETURNING id`,
      [organizationId, `Directory ${i + 1}`, ['OKTA', 'ENTRA_ID', 'GOOGLE'][i], token.hash],
    );
    directoryIds.push(id);
  }

  // Accounts on the 47 verified domains; created_at spread so orderings are realistic.
  await db.query(
    `INSERT INTO account (organization_id, email, email_domain, display_name, origin, managed, claimed_at, created_at)
     SELECT $1, 'user' || i || '@d' || (i % 47) || '.bench.example', 'd' || (i % 47) || '.bench.example', 'User ' || i, 'SCIM', true, now(),
            now() - (i || ' seconds')::interval
       FROM generate_series(0, $2 - 1) AS i`,
    [organizationId, accounts],
  );
  await db.query(
    `INSERT INTO scim_record (organization_id, directory_id, account_id, external_id, user_name, email, emails, given_name, family_name,
                              active, raw_payload, sync_status, last_synced_at, created_at)
     SELECT a.organization_id, ($2::uuid[])[1 + (n % 3)], a.id, 'ext-' || n, a.email, a.email,
            jsonb_build_array(jsonb_build_object('value', a.email, 'type', 'work', 'primary', true)), 'User', n::text,
            true, jsonb_build_object('userName', a.email), 'SYNCED', now(), a.created_at
       FROM (SELECT a.*, substring(a.email from 'user(\\d+)@')::int AS n FROM account a WHERE a.organization_id = $1) a`,
    [organizationId, directoryIds],
  );
  // The article's case: record i wants the email of account i + half, which another record provisions.
  if (conflicted > 0) {
    await db.query(
      `UPDATE scim_record r SET email = h.email, sync_status = 'FAILED', attempts = 1, next_retry_at = now() + interval '1 minute',
              last_error = 'Resource [USER]: with email[' || h.email || '] already exists.'
         FROM account a, account h
        WHERE r.organization_id = $1 AND a.id = r.account_id
          AND substring(a.email from 'user(\\d+)@')::int < $2
          AND h.organization_id = $1 AND h.email = 'user' || (substring(a.email from 'user(\\d+)@')::int + $3) || '@d' || ((substring(a.email from 'user(\\d+)@')::int + $3) % 47) || '.bench.example'`,
      [organizationId, conflicted, Math.floor(accounts / 2)],
    );
  }
  await db.query('ANALYZE account; ANALYZE scim_record; ANALYZE conflict; ANALYZE domain');
  return {
    organizationId,
    directoryIds,
    directoryTokens: tokens.map((token) => token.token),
    accounts,
    records: accounts,
  };
}
