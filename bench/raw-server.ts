import 'reflect-metadata';
import http from 'node:http';
import { Pool } from 'pg';
import { remediationFor } from '../src/conflicts/remediation';
import { ConflictKind, ConflictStatus } from '../src/conflicts/conflict.enums';

/**
 * The floor the GraphQL layer adds to: the same data as the benchmark's GraphQL queries, fetched
 * with hand-written SQL through plain `pg` and served as JSON over plain HTTP.
 */
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 20),
  options: '-c jit=off -c random_page_cost=1.1',
});
const organizationId = process.env.BENCH_ORGANIZATION_ID!;

const CONFLICT_QUEUE = `
  SELECT c.id, c.kind, c.status, c.summary, c.email, c.detected_at, c.actions_taken, c.account_id, c.conflicting_account_id, c.scim_record_id,
         c.directory_id, c.domain_id,
         a.id AS a_id, a.email AS a_email, a.status AS a_status, a.managed AS a_managed,
         h.id AS h_id, h.email AS h_email, h.status AS h_status, h.managed AS h_managed,
         EXISTS (SELECT 1 FROM scim_record hr WHERE hr.account_id = h.id) AS h_idp_managed,
         EXISTS (SELECT 1 FROM scim_record ar WHERE ar.account_id = a.id) AS a_idp_managed,
         r.id AS r_id, r.user_name AS r_user_name, r.email AS r_email, r.sync_status AS r_sync_status, r.last_error AS r_last_error, r.account_id AS r_account_id,
         d.id AS d_id, d.name AS d_name, d.sso_email_attribute AS d_sso, d.scim_email_attribute AS d_scim,
         dom.id AS dom_id, dom.name AS dom_name, dom.status AS dom_status
    FROM (SELECT * FROM conflict WHERE organization_id = $1 AND status = 'OPEN' ORDER BY detected_at DESC, id DESC LIMIT 50) c
    LEFT JOIN account a ON a.id = c.account_id
    LEFT JOIN account h ON h.id = c.conflicting_account_id
    LEFT JOIN scim_record r ON r.id = c.scim_record_id
    LEFT JOIN directory d ON d.id = c.directory_id
    LEFT JOIN domain dom ON dom.id = c.domain_id
   ORDER BY c.detected_at DESC, c.id DESC`;

const ACCOUNT_SEARCH = `
  SELECT a.id, a.email, a.status, a.managed, d.id AS d_id, d.name AS d_name, d.status AS d_status,
         coalesce((SELECT json_agg(json_build_object('id', c.id, 'kind', c.kind)) FROM (
                     SELECT id, kind FROM conflict WHERE status = 'OPEN' AND account_id = a.id
                     UNION SELECT id, kind FROM conflict WHERE status = 'OPEN' AND conflicting_account_id = a.id) c), '[]') AS conflicts
    FROM account a
    LEFT JOIN domain d ON d.organization_id = a.organization_id AND d.name = a.email_domain
   WHERE a.organization_id = $1 AND lower(a.email) COLLATE "C" LIKE lower($2) || '%'
   ORDER BY lower(a.email) COLLATE "C", a.id
   LIMIT 20`;

async function conflictQueue() {
  const { rows } = await pool.query(CONFLICT_QUEUE, [organizationId]);
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    summary: row.summary,
    detectedAt: row.detected_at,
    account: row.a_id && { id: row.a_id, email: row.a_email, status: row.a_status, managed: row.a_managed },
    conflictingAccount: row.h_id && { id: row.h_id, email: row.h_email, status: row.h_status, managed: row.h_managed },
    scimRecord: row.r_id && {
      id: row.r_id,
      userName: row.r_user_name,
      email: row.r_email,
      syncStatus: row.r_sync_status,
      lastError: row.r_last_error,
    },
    directory: row.d_id && { id: row.d_id, name: row.d_name },
    remediation: remediationFor({
      conflict: {
        kind: row.kind as ConflictKind,
        status: row.status as ConflictStatus,
        email: row.email,
        accountId: row.account_id,
        conflictingAccountId: row.conflicting_account_id,
        scimRecordId: row.scim_record_id,
        directoryId: row.directory_id,
        domainId: row.domain_id,
        actionsTaken: row.actions_taken,
      },
      conflictingAccountIdpManaged: row.h_idp_managed === true,
      accountIdpManaged: row.a_idp_managed === true,
      recordLinked: row.r_account_id !== null,
      domain: row.dom_id && { id: row.dom_id, name: row.dom_name, status: row.dom_status },
      directory: row.d_id && { ssoEmailAttribute: row.d_sso, scimEmailAttribute: row.d_scim },
    }).map(({ action, arguments: args, done }) => ({ action, arguments: args, done })),
  }));
}

async function accountSearch(prefix: string) {
  const { rows } = await pool.query(ACCOUNT_SEARCH, [organizationId, prefix.replace(/[\\%_]/g, '\\$&')]);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    status: row.status,
    managed: row.managed,
    domain: row.d_id && { id: row.d_id, name: row.d_name, status: row.d_status },
    conflicts: row.conflicts,
  }));
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', async () => {
    try {
      const url = new URL(req.url ?? '/', 'http://raw');
      const data =
        url.pathname === '/conflicts'
          ? await conflictQueue()
          : url.pathname === '/accounts'
            ? await accountSearch(url.searchParams.get('prefix') ?? '')
            : null;
      if (data === null) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('raw server ready\n'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
