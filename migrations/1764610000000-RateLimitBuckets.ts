import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit budgets shared by every replica: one row per caller or directory, holding the
 * "theoretical arrival time" of a token bucket (GCRA). A budget is full when `tat` is in the past,
 * so such rows carry no information and are deleted now and then.
 */
export class RateLimitBuckets1764610000000 implements MigrationInterface {
  name = 'RateLimitBuckets1764610000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "rate_limit_bucket" (
        "key" text NOT NULL,
        "tat" timestamptz NOT NULL,
        CONSTRAINT "rate_limit_bucket_pkey" PRIMARY KEY ("key")
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "rate_limit_bucket"`);
  }
}
