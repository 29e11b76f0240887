-- What a PostGraphile v4 user adds to this schema to serve the portal's two reads, applied by
-- `npm run bench` to its own database only (never a migration): a role of PostGraphile's own,
-- row-level security that scopes every row to the organization in the caller's JWT (PostGraphile
-- sets the verified claims as `jwt.claims.*`), two computed columns and a search function.
-- The subgraph's server connects as the tables' owner, which row-level security does not apply to.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_postgraphile') THEN
    CREATE ROLE bench_postgraphile NOLOGIN;
  END IF;
END $$;
GRANT bench_postgraphile TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO bench_postgraphile;
GRANT SELECT ON organization, domain, account, directory, scim_record, conflict TO bench_postgraphile;

ALTER TABLE organization ENABLE ROW LEVEL SECURITY;
ALTER TABLE domain ENABLE ROW LEVEL SECURITY;
ALTER TABLE account ENABLE ROW LEVEL SECURITY;
ALTER TABLE directory ENABLE ROW LEVEL SECURITY;
ALTER TABLE scim_record ENABLE ROW LEVEL SECURITY;
ALTER TABLE conflict ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON organization FOR SELECT TO bench_postgraphile
  USING (id = nullif(current_setting('jwt.claims.org', true), '')::uuid);
CREATE POLICY tenant ON domain FOR SELECT TO bench_postgraphile
  USING (organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid);
CREATE POLICY tenant ON account FOR SELECT TO bench_postgraphile
  USING (organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid);
CREATE POLICY tenant ON directory FOR SELECT TO bench_postgraphile
  USING (organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid);
CREATE POLICY tenant ON scim_record FOR SELECT TO bench_postgraphile
  USING (organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid);
CREATE POLICY tenant ON conflict FOR SELECT TO bench_postgraphile
  USING (organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid);

-- Account.domain: the organization's domain the email is on.
CREATE FUNCTION account_domain(a account) RETURNS domain
  LANGUAGE sql STABLE
AS $$
  SELECT d.* FROM domain d WHERE d.organization_id = a.organization_id AND d.name = a.email_domain
$$;

-- Account.openConflicts: OPEN conflicts naming the account on either side, newest first.
CREATE FUNCTION account_open_conflicts(a account) RETURNS SETOF conflict
  LANGUAGE sql STABLE
AS $$
  SELECT c.* FROM conflict c
   WHERE c.status = 'OPEN' AND (c.account_id = a.id OR c.conflicting_account_id = a.id)
   ORDER BY c.detected_at DESC, c.id DESC
$$;

-- Query.searchAccounts: the raw floor's search, organization included. SECURITY DEFINER because
-- under row-level security Postgres keeps leaky functions (lower(), LIKE) above the policy's filter,
-- so the (organization_id, lower(email)) index could not serve the prefix: every account of the
-- organization read per search. The prefix as an explicit range (byte order): a function runs a
-- generic plan, and Postgres derives an index range from LIKE only for a constant pattern.
CREATE FUNCTION search_accounts(prefix text) RETURNS SETOF account
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT a.* FROM account a
   WHERE a.organization_id = nullif(current_setting('jwt.claims.org', true), '')::uuid
     AND lower(a.email) COLLATE "C" >= lower(prefix)
     AND lower(a.email) COLLATE "C" < lower(prefix) || chr(1114111)
   ORDER BY lower(a.email) COLLATE "C", a.id
$$;
