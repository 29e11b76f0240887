import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule R5 outside migrations: when an account last showed activity (created, renamed, back to
 * ACTIVE, or changed by its identity provider's push), so admins can list the ones inactive since
 * a date. Existing accounts start from their last change.
 */
export class AccountLastActivity1764700000000 implements MigrationInterface {
  name = 'AccountLastActivity1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "account" ADD "last_activity_at" timestamptz(3)`);
    await db.query(`UPDATE "account" SET "last_activity_at" = greatest("created_at", "updated_at")`);
    await db.query(`ALTER TABLE "account" ALTER COLUMN "last_activity_at" SET DEFAULT now()`);
    await db.query(`ALTER TABLE "account" ALTER COLUMN "last_activity_at" SET NOT NULL`);
    await db.query(
      `CREATE INDEX "account_organization_last_activity_idx" ON "account" ("organization_id", "last_activity_at")`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX "account_organization_last_activity_idx"`);
    await db.query(`ALTER TABLE "account" DROP COLUMN "last_activity_at"`);
  }
}
