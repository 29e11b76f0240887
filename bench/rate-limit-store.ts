import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource, withDatabase } from '../src/db/data-source';
import { entities } from '../src/entities';
import { SharedRateLimiter } from '../src/http/rate-limit';

/**
 * `npm run build && node dist/bench/rate-limit-store.js`: what one shared budget costs when eight
 * clients of one directory spend it at once (one hot row), with `rate_limit_bucket` logged and
 * unlogged, three rounds each, interleaved. Uses BENCH_DATABASE_URL/DATABASE_URL as the server.
 */
const CLIENTS = 8;
const SECONDS = 4;

async function main(): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('Set BENCH_DATABASE_URL or DATABASE_URL to a Postgres server.');
  const database = 'governance_bench_rate_limit';
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const db = createDataSource({ url: withDatabase(adminUrl, database), entities, poolMax: 20 });
  await db.initialize();
  try {
    for (const round of [1, 2, 3]) {
      for (const logged of [true, false]) {
        await db.query(`DROP TABLE IF EXISTS rate_limit_bucket`);
        await db.query(
          `CREATE ${logged ? '' : 'UNLOGGED'} TABLE rate_limit_bucket (key text PRIMARY KEY, tat timestamptz NOT NULL)`,
        );
        const limiter = new SharedRateLimiter(db, 10_000_000);
        const latencies: number[] = [];
        const end = Date.now() + SECONDS * 1000;
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (Date.now() < end) {
              const started = performance.now();
              if (!(await limiter.spend('scim:one-directory', 1)).allowed) throw new Error('refused');
              latencies.push(performance.now() - started);
            }
          }),
        );
        latencies.sort((a, b) => a - b);
        const at = (q: number) => latencies[Math.floor(latencies.length * q)].toFixed(1);
        process.stdout.write(
          `round ${round} ${logged ? 'logged  ' : 'unlogged'} ${Math.round(latencies.length / SECONDS)} spends/s, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms\n`,
        );
      }
    }
  } finally {
    await db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
