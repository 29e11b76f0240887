import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Pool } from 'pg';
import { remediationFor, type ConflictKind, type ConflictStatus } from './project';

/**
 * The floors the server adds to, through plain `pg` over plain HTTP:
 * - reads: the same data as the benchmark's GraphQL queries, each in one hand-written statement;
 * - writes: POST /scim/directory/:id/Users with a SCIM create's body writes the rows a SCIM
 *   create writes (account, scim_record, scim_push, audit_event) in one transaction, and answers
 *   the resource with 201. No authentication, no lookups, no checks: the unique indexes judge.
 */
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 20),
  options: '-c jit=off -c random_page_cost=1.1',
});
const organizationId = requiredEnv('BENCH_ORGANIZATION_ID');

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

/** A LEFT JOIN's columns, each key of T after `Prefix`: all set, or all null when there was no row to join. */
type Joined<Prefix extends string, T> =
  { [K in keyof T & string as `${Prefix}${K}`]: T[K] } | { [K in keyof T & string as `${Prefix}${K}`]: null };

type AccountColumns = { id: string; email: string; status: string; managed: boolean };
type DomainColumns = { id: string; name: string; status: string };

/** The queue's rows; with remediation, also the facts its steps depend on. */
const conflictQueueSql = (withRemediation: boolean) => `
  SELECT c.id, c.kind, c.status, c.summary, c.email, c.detected_at, c.actions_taken, c.account_id, c.conflicting_account_id, c.scim_record_id,
         c.directory_id, c.domain_id,
         a.id AS a_id, a.email AS a_email, a.status AS a_status, a.managed AS a_managed,
         h.id AS h_id, h.email AS h_email, h.status AS h_status, h.managed AS h_managed,
         r.id AS r_id, r.user_name AS r_user_name, r.email AS r_email, r.sync_status AS r_sync_status, r.last_error AS r_last_error, r.account_id AS r_account_id,
         d.id AS d_id, d.name AS d_name${
           withRemediation
             ? `, d.sso_email_attribute AS d_sso, d.scim_email_attribute AS d_scim,
         EXISTS (SELECT 1 FROM scim_record hr WHERE hr.account_id = h.id) AS h_idp_managed,
         EXISTS (SELECT 1 FROM scim_record ar WHERE ar.account_id = a.id) AS a_idp_managed,
         dom.id AS dom_id, dom.name AS dom_name, dom.status AS dom_status,
         (SELECT coalesce(array_agg(lower(p.email)), '{}') FROM account p
           WHERE p.email_domain = split_part(lower(c.email), '@', 2) AND lower(p.email) LIKE '%+duplicated%@%'
             AND starts_with(split_part(split_part(lower(c.email), '@', 1), '+', 1), split_part(lower(p.email), '+', 1))) AS placeholders_in_use`
             : ''
         }
    FROM (SELECT * FROM conflict WHERE organization_id = $1 AND status = 'OPEN' ORDER BY detected_at DESC, id DESC LIMIT 50) c
    LEFT JOIN account a ON a.id = c.account_id
    LEFT JOIN account h ON h.id = c.conflicting_account_id
    LEFT JOIN scim_record r ON r.id = c.scim_record_id
    LEFT JOIN directory d ON d.id = c.directory_id${
      withRemediation
        ? `
    LEFT JOIN domain dom ON dom.id = c.domain_id`
        : ''
    }
   ORDER BY c.detected_at DESC, c.id DESC`;
const CONFLICT_QUEUE = conflictQueueSql(false);
const CONFLICT_QUEUE_WITH_REMEDIATION = conflictQueueSql(true);

/** A CONFLICT_QUEUE row: the conflict, its account (a_), holder (h_), record (r_) and directory (d_). */
type QueueRow<DirectoryColumns = { id: string; name: string }> = {
  id: string;
  kind: ConflictKind;
  status: ConflictStatus;
  summary: string;
  email: string | null;
  detected_at: Date;
  actions_taken: string[];
  account_id: string | null;
  conflicting_account_id: string | null;
  scim_record_id: string | null;
  directory_id: string | null;
  domain_id: string | null;
} & Joined<'a_', AccountColumns> &
  Joined<'h_', AccountColumns> &
  Joined<
    'r_',
    {
      id: string;
      user_name: string;
      email: string | null;
      sync_status: string;
      last_error: string | null;
      account_id: string | null;
    }
  > &
  Joined<'d_', DirectoryColumns>;

/** A CONFLICT_QUEUE_WITH_REMEDIATION row: also the directory's attributes, who is IdP-managed, and the domain (dom_). */
type RemediationQueueRow = QueueRow<{ id: string; name: string; sso: string; scim: string }> & {
  h_idp_managed: boolean;
  a_idp_managed: boolean;
  placeholders_in_use: string[];
} & Joined<'dom_', DomainColumns>;

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

/** An ACCOUNT_SEARCH row: the account, its domain (d_), and its open conflicts as JSON. */
type SearchRow = AccountColumns &
  Joined<'d_', DomainColumns> & { conflicts: Array<{ id: string; kind: ConflictKind }> };

async function conflictQueue(withRemediation: boolean) {
  if (!withRemediation) {
    const { rows } = await pool.query<QueueRow>(CONFLICT_QUEUE, [organizationId]);
    return rows.map(queueItem);
  }
  const { rows } = await pool.query<RemediationQueueRow>(CONFLICT_QUEUE_WITH_REMEDIATION, [organizationId]);
  return rows.map((row) => ({ ...queueItem(row), remediation: remediation(row) }));
}

function queueItem(row: QueueRow) {
  return {
    id: row.id,
    kind: row.kind,
    summary: row.summary,
    detectedAt: row.detected_at,
    account:
      row.a_id === null ? null : { id: row.a_id, email: row.a_email, status: row.a_status, managed: row.a_managed },
    conflictingAccount:
      row.h_id === null ? null : { id: row.h_id, email: row.h_email, status: row.h_status, managed: row.h_managed },
    scimRecord:
      row.r_id === null
        ? null
        : {
            id: row.r_id,
            userName: row.r_user_name,
            email: row.r_email,
            syncStatus: row.r_sync_status,
            lastError: row.r_last_error,
          },
    directory: row.d_id === null ? null : { id: row.d_id, name: row.d_name },
  };
}

function remediation(row: RemediationQueueRow) {
  return remediationFor({
    conflict: {
      kind: row.kind,
      status: row.status,
      email: row.email,
      accountId: row.account_id,
      conflictingAccountId: row.conflicting_account_id,
      scimRecordId: row.scim_record_id,
      directoryId: row.directory_id,
      domainId: row.domain_id,
      actionsTaken: row.actions_taken,
    },
    conflictingAccountIdpManaged: row.h_idp_managed,
    accountIdpManaged: row.a_idp_managed,
    recordLinked: row.r_account_id !== null,
    domain: row.dom_id === null ? null : { id: row.dom_id, name: row.dom_name, status: row.dom_status },
    directory: row.d_id === null ? null : { ssoEmailAttribute: row.d_sso, scimEmailAttribute: row.d_scim },
    placeholdersInUse: row.placeholders_in_use,
  }).map(({ action, arguments: args, done }) => ({ action, arguments: args, done }));
}

async function accountSearch(prefix: string) {
  const { rows } = await pool.query<SearchRow>(ACCOUNT_SEARCH, [organizationId, prefix.replace(/[\\%_]/g, '\\$&')]);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    status: row.status,
    managed: row.managed,
    domain: row.d_id === null ? null : { id: row.d_id, name: row.d_name, status: row.d_status },
    conflicts: row.conflicts,
  }));
}

const INSERT_ACCOUNT = `
  INSERT INTO account (organization_id, email, email_domain, display_name, origin, status, managed, claimed_at)
  SELECT $1, $2, $3, $4, 'SCIM', CASE WHEN $5::boolean THEN 'ACTIVE' ELSE 'DEACTIVATED' END, verified, CASE WHEN verified THEN now() END
    FROM (SELECT EXISTS (SELECT 1 FROM domain WHERE organization_id = $1 AND name = $3 AND status = 'VERIFIED') AS verified) d
  RETURNING id`;
const INSERT_RECORD = `
  INSERT INTO scim_record (organization_id, directory_id, account_id, external_id, user_name, email, emails, given_name, family_name,
                           display_name, active, raw_payload, sync_status, last_synced_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'SYNCED', now())
  RETURNING id, created_at`;
const INSERT_PUSH = `
  INSERT INTO scim_push (organization_id, directory_id, scim_record_id, operation, outcome, http_status, payload, actor, request_id)
  VALUES ($1, $2, $3, 'CREATE', 'APPLIED', 201, $4, $5, $6)`;
const INSERT_AUDIT = `
  INSERT INTO audit_event (organization_id, actor, action, target_type, target_id, after, request_id)
  VALUES ($1, $2, 'scim.createUser', 'ScimRecord', $3, $4, $5)`;

interface ScimUserBody {
  externalId?: string;
  userName: string;
  name?: { givenName?: string; familyName?: string };
  displayName?: string;
  emails?: Array<{ value: string; type?: string; primary?: boolean }>;
  active?: boolean;
}

/** A SCIM create's rows, one transaction: account, record (linked, SYNCED), push history, audit event. */
async function createUser(directoryId: string, body: string, location: string) {
  const user = JSON.parse(body) as ScimUserBody;
  const emails = user.emails ?? [];
  const email = (emails.find((e) => e.primary === true) ?? emails.at(0))?.value ?? user.userName;
  const emailDomain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const displayName =
    user.displayName ?? ([user.name?.givenName, user.name?.familyName].filter(Boolean).join(' ') || null);
  const active = user.active !== false;
  const actor = `scim:${directoryId}`;
  const requestId = randomUUID();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const {
      rows: [account],
    } = await client.query<{ id: string }>(INSERT_ACCOUNT, [organizationId, email, emailDomain, displayName, active]);
    const {
      rows: [record],
    } = await client.query<{ id: string; created_at: Date }>(INSERT_RECORD, [
      organizationId,
      directoryId,
      account.id,
      user.externalId ?? null,
      user.userName,
      email,
      JSON.stringify(emails),
      user.name?.givenName ?? null,
      user.name?.familyName ?? null,
      user.displayName ?? null,
      active,
      body,
    ]);
    await client.query(INSERT_PUSH, [organizationId, directoryId, record.id, body, actor, requestId]);
    const after = {
      externalId: user.externalId ?? null,
      userName: user.userName,
      email,
      active,
      accountId: account.id,
    };
    await client.query(INSERT_AUDIT, [organizationId, actor, record.id, JSON.stringify(after), requestId]);
    await client.query('COMMIT');
    const created = record.created_at.toISOString();
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: record.id,
      externalId: user.externalId,
      userName: user.userName,
      name: user.name,
      emails,
      active,
      meta: {
        resourceType: 'User',
        created,
        lastModified: created,
        location: `${location}/${record.id}`,
        version: 'W/"1"',
      },
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const USERS_PATH = /^\/scim\/directory\/([0-9a-f-]{36})\/Users$/;

async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://raw');
  const users = USERS_PATH.exec(url.pathname);
  if (users && req.method === 'POST') {
    const resource = await createUser(users[1], body, `http://${req.headers.host ?? 'raw'}${url.pathname}`);
    return void res.writeHead(201, { 'content-type': 'application/scim+json' }).end(JSON.stringify(resource));
  }
  const data =
    url.pathname === '/conflicts'
      ? await conflictQueue(url.searchParams.get('remediation') !== '0')
      : url.pathname === '/accounts'
        ? await accountSearch(url.searchParams.get('prefix') ?? '')
        : null;
  if (data === null) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += String(chunk);
  });
  req.on('end', () => {
    answer(req, res, body).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('raw server ready\n'));
process.on('SIGTERM', () => {
  server.close(() => {
    pool.end().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  });
});
