import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the governance mutations need beyond the data model: idempotency keys, so a retried
 * script never applies twice, and domain migrations, whose readiness rule R4 judges.
 */
export class GovernanceMutations1764400000000 implements MigrationInterface {
  name = 'GovernanceMutations1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "idempotency_key" (
        "organization_id" uuid NOT NULL,
        "key" text NOT NULL,
        "operation" text NOT NULL,
        "request_hash" text NOT NULL,
        "response" jsonb,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("organization_id", "key"),
        CONSTRAINT "idempotency_key_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "idempotency_key_key_check" CHECK (length("key") BETWEEN 1 AND 200)
      )`);
    // Expired keys are purged by age.
    await db.query(`CREATE INDEX "idempotency_key_created_at_idx" ON "idempotency_key" ("created_at")`);

    await db.query(`
      CREATE TABLE "domain_migration" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "from_domain_id" uuid NOT NULL,
        "to_domain_id" uuid NOT NULL,
        "status" text NOT NULL DEFAULT 'IN_PROGRESS',
        "started_by" text NOT NULL,
        "completed_at" timestamptz(3),
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "domain_migration_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domain_migration_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "domain_migration_from_domain_id_fkey" FOREIGN KEY ("from_domain_id") REFERENCES "domain"("id") ON DELETE CASCADE,
        CONSTRAINT "domain_migration_to_domain_id_fkey" FOREIGN KEY ("to_domain_id") REFERENCES "domain"("id") ON DELETE CASCADE,
        CONSTRAINT "domain_migration_status_check" CHECK ("status" IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
        CONSTRAINT "domain_migration_distinct_domains_check" CHECK ("from_domain_id" <> "to_domain_id")
      )`);
    // One migration in progress away from a domain at a time.
    await db.query(
      `CREATE UNIQUE INDEX "domain_migration_in_progress_key" ON "domain_migration" ("from_domain_id") WHERE "status" = 'IN_PROGRESS'`,
    );
    await db.query(
      `CREATE INDEX "domain_migration_organization_id_created_at_idx" ON "domain_migration" ("organization_id", "created_at")`,
    );
    await db.query(`CREATE INDEX "domain_migration_to_domain_id_idx" ON "domain_migration" ("to_domain_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "domain_migration"`);
    await db.query(`DROP TABLE "idempotency_key"`);
  }
}
