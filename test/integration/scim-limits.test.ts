import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { Client } from 'pg';
import { createScimRouter } from '../../src/scim-api/scim-router';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';

const userBody = (userName: string, externalId: string, email = userName) => ({
  schemas: [SCIM.user],
  userName,
  externalId,
  emails: [{ value: email, type: 'work', primary: true }],
  active: true,
});

describe('SCIM limits and concurrency on the real server', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;
  let directoryId: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 12 });
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('limits')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    directoryId = directory.id;
    scim = scimClient(app.url, directory.id, directory.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  it('answers a body over 256 KiB with a SCIM 413, recorded as a rejected push; a large one under it is fine', async () => {
    const tooLarge = await scim.post('/Users', { ...userBody('big@acme.com', 'big'), title: 'x'.repeat(257 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({
      schemas: [SCIM.error],
      status: '413',
      detail: 'The request body is larger than 256 KiB.',
    });
    const [push] = await db.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT operation, outcome, http_status FROM scim_push WHERE directory_id = $1 AND http_status = 413`,
      [directoryId],
    );
    expect(push).toEqual({ operation: 'CREATE', outcome: 'REJECTED', http_status: 413 });
    const large = await scim.post('/Users', { ...userBody('large@acme.com', 'large'), title: 'x'.repeat(200 * 1024) });
    expect(large.status).toBe(201);
  });

  it('answers a malformed path escape with a SCIM 400, not an HTML page', async () => {
    const response = await scim.request('GET', '/Users/%E0%A4%A');
    expect(response).toMatchObject({ status: 400, body: { schemas: [SCIM.error], status: '400' } });
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  });

  it('answers two concurrent creates of one userName (different externalIds) with one 201 and one 409 uniqueness', async () => {
    for (let round = 0; round < 5; round++) {
      const userName = `race${round}@acme.com`;
      const responses = await Promise.all([
        scim.post('/Users', userBody(userName, `race-${round}-a`)),
        scim.post('/Users', userBody(userName, `race-${round}-b`)),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
      const conflict = responses.find((response) => response.status === 409)!;
      expect(conflict.body).toEqual({
        schemas: [SCIM.error],
        status: '409',
        scimType: 'uniqueness',
        detail: `Resource [USER]: with userName[${userName}] already exists.`,
      });
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM scim_record WHERE directory_id = $1 AND lower(user_name) = $2`,
        [directoryId, userName],
      );
      expect(count).toBe(1);
    }
  });

  it('answers a create whose userName only Postgres folds onto an existing one (İ and i) with 409 uniqueness', async () => {
    // lower() in a UTF-8 locale folds İ to i; JavaScript's toLowerCase gives i + a combining dot.
    const [{ folds }] = await db.dataSource.query<Array<{ folds: boolean }>>(
      `SELECT lower('İfold@acme.com') = lower('ifold@acme.com') AS folds`,
    );
    expect((await scim.post('/Users', userBody('İfold@acme.com', 'fold-a', 'fold-a@acme.com'))).status).toBe(201);
    const second = await scim.post('/Users', userBody('ifold@acme.com', 'fold-b', 'fold-b@acme.com'));
    // Where Postgres does not fold them (a C locale), they are two users.
    expect(second.status).toBe(folds ? 409 : 201);
    if (folds) {
      expect(second.body).toMatchObject({
        scimType: 'uniqueness',
        detail: 'Resource [USER]: with userName[ifold@acme.com] already exists.',
      });
    }
  });

  it('answers two concurrent creates of one email (different users) with one 201 and one 409 naming the email', async () => {
    for (let round = 0; round < 5; round++) {
      const email = `shared${round}@acme.com`;
      const responses = await Promise.all([
        scim.post('/Users', userBody(`first${round}@acme.com`, `mail-${round}-a`, email)),
        scim.post('/Users', userBody(`second${round}@acme.com`, `mail-${round}-b`, email)),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
      expect(responses.find((response) => response.status === 409)!.body).toEqual({
        schemas: [SCIM.error],
        status: '409',
        scimType: 'uniqueness',
        detail: `Resource [USER]: with email[${email}] already exists.`,
      });
      const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int FROM account WHERE lower(email) = $1`,
        [email],
      );
      expect(count).toBe(1);
    }
  });

  it('answers ten concurrent copies of one create (an impatient IdP) with one record: one 201, the copies 409 uniqueness', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => scim.post('/Users', userBody('impatient@acme.com', '00u-impatient'))),
    );
    // One create wins; the others find the user it made and answer 409 uniqueness (ADR 0008).
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(responses.filter((response) => response.status === 409).map((response) => response.body.scimType)).toEqual(
      Array(9).fill('uniqueness'),
    );
    const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int FROM scim_record WHERE external_id = '00u-impatient'`,
    );
    expect(count).toBe(1);
  });

  it('serializes concurrent PATCHes to one user: all 200, every version distinct', async () => {
    const { body } = await scim.post('/Users', userBody('patched@acme.com', '00u-patched'));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        scim.patch(`/Users/${body.id}`, {
          schemas: [SCIM.patchOp],
          Operations: [{ op: 'replace', path: 'displayName', value: `Name ${i}` }],
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    expect(new Set(responses.map((response) => response.headers.get('etag'))).size).toBe(8);
  });
});

describe('SCIM failures: a 500 or a timeout is a SCIM body, logged with the request id, never the token', () => {
  let db: TestDatabase;
  let server: http.Server;
  let url: string;
  let token: string;
  let directoryId: string;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const given = fixtures(db.dataSource);
    const directory = await given.directory((await given.organization('failures')).id, 'Okta');
    token = directory.token;
    directoryId = directory.id;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The router alone, as server.ts mounts it, with a short deadline and a logger we can read.
    const app = express();
    app.use((req, res, next) => {
      res.locals.requestId = req.header('x-request-id') ?? 'no-request-id';
      next();
    });
    app.use(
      '/scim',
      createScimRouter({ db: db.dataSource, logger: pino({ level: 'trace' }, sink), requestTimeoutMs: 400 }),
    );
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await db.drop();
  });

  it('turns a handler that throws into a SCIM 500 that names the request id, and logs it with that id', async () => {
    await db.dataSource.query(`ALTER TABLE scim_group RENAME TO scim_group_away`);
    try {
      const response = await scimClient(url, directoryId, token).get('/Groups', { 'x-request-id': 'req-500-test' });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(response.body).toEqual({
        schemas: [SCIM.error],
        status: '500',
        detail: expect.stringContaining('req-500-test'),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/scim_group|relation|SELECT/i);
    } finally {
      await db.dataSource.query(`ALTER TABLE scim_group_away RENAME TO scim_group`);
    }
    const logged = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.requestId === 'req-500-test' && line.level === 50);
    expect(logged).toMatchObject({
      msg: 'SCIM request failed',
      directoryId,
      err: expect.objectContaining({ message: expect.stringContaining('scim_group') }),
    });
  });

  it('answers 503 with a SCIM body when a request outlives its deadline (here: a table lock)', async () => {
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE scim_record IN ACCESS EXCLUSIVE MODE');
      const response = await scimClient(url, directoryId, token).get('/Users', { 'x-request-id': 'req-slow' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.body).toMatchObject({ schemas: [SCIM.error], status: '503' });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // The late handler finds the answer already sent and stays quiet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines.some((line) => line.includes('req-slow') && line.includes('SCIM request timed out'))).toBe(true);
  });

  it('never writes a token to the log, even for refused ones', async () => {
    await scimClient(url, directoryId, `${token}wrong`).get('/Users');
    await scimClient(url, '00000000-0000-4000-8000-000000000000', token).get('/Users');
    await scimClient(url, directoryId, token).post('/Users', '{not json');
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.slice(5));
  });
});
