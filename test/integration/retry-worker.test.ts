import pino from 'pino';
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/entities';
import { RetryWorker } from '../../src/scim/retry-worker';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fixtures } from '../support/fixtures';
import { identityProvider } from '../support/idp';

/** Automatic retries of FAILED records, with two replicas' workers racing over one database. */
describe('the retry worker', () => {
  let db: TestDatabase;
  const options = { intervalMs: 60_000, batchSize: 100 };
  let recordIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('retries')).id;
    await given.domain(organizationId, 'retry.example', { verified: true, claimed: true });
    const idp = identityProvider(db.dataSource, organizationId, (await given.directory(organizationId, 'Okta')).id);
    recordIds = [];
    for (let i = 0; i < 20; i++) {
      const pushed = await idp.create({ externalId: `u${i}`, userName: `user${i}@retry.example` });
      recordIds.push(pushed.kind === 'synced' ? pushed.record.id : '');
      // Someone else holds the email the IdP now wants.
      await given.account(organizationId, `wanted${i}@retry.example`, { managed: true });
      const failed = await idp.replace(recordIds[i], {
        externalId: `u${i}`,
        userName: `user${i}@retry.example`,
        email: `wanted${i}@retry.example`,
      });
      expect(failed.kind).toBe('failed');
    }
    // Half the holders have since been renamed away; and every backoff has expired.
    await db.dataSource.query(`UPDATE account SET email = 'moved-' || email WHERE email ~ '^wanted1?[02468]@'`);
    await db.dataSource.query(
      `UPDATE scim_record SET next_retry_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`,
      [recordIds],
    );
  });
  afterAll(() => db.drop());

  it('retries every due record exactly once when two replicas run at the same time', async () => {
    const replica = createDataSource({ url: db.url, entities, poolMax: 5 });
    await replica.initialize();
    try {
      const logger = pino({ level: 'silent' });
      const [first, second] = await Promise.all([
        new RetryWorker(db.dataSource, logger, options).runOnce(),
        new RetryWorker(replica, logger, options).runOnce(),
      ]);
      expect(first.retried + second.retried).toBe(20);
      expect(first.synced + second.synced).toBe(10);
    } finally {
      await replica.destroy();
    }
    const attempts: Array<{ scim_record_id: string; retries: number }> = await db.dataSource.query(
      `SELECT scim_record_id, count(*)::int AS retries FROM scim_push WHERE operation = 'RESYNC' GROUP BY scim_record_id`,
    );
    expect(attempts).toHaveLength(20);
    expect(attempts.every((row) => row.retries === 1)).toBe(true);
    const [{ synced, failed }] = await db.dataSource.query<Array<{ synced: number; failed: number }>>(
      `SELECT count(*) FILTER (WHERE sync_status = 'SYNCED')::int AS synced, count(*) FILTER (WHERE sync_status = 'FAILED' AND attempts = 2 AND next_retry_at > now())::int AS failed
         FROM scim_record WHERE id = ANY($1::uuid[])`,
      [recordIds],
    );
    expect({ synced, failed }).toEqual({ synced: 10, failed: 10 });
  });

  it('leaves records alone until their next backoff expires, and audits as system:retry', async () => {
    expect(await new RetryWorker(db.dataSource, pino({ level: 'silent' }), options).runOnce()).toEqual({
      retried: 0,
      synced: 0,
      skipped: 0,
    });
    const [{ actors }] = await db.dataSource.query<Array<{ actors: string[] }>>(
      `SELECT array_agg(DISTINCT actor) AS actors FROM audit_event WHERE action = 'resyncScimRecord'`,
    );
    expect(actors).toEqual(['system:retry']);
  });
});
