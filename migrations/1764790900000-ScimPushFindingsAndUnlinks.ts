import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule findings on every push (rule R2: a push through a directory whose SSO and SCIM email
 * attributes disagree is flagged in its history entry), and when an admin unlinked a record (so
 * a record waiting for its link is told apart from one waiting for a claim).
 */
export class ScimPushFindingsAndUnlinks1764790900000 implements MigrationInterface {
  name = 'ScimPushFindingsAndUnlinks1764790900000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "scim_push" ADD "findings" text array NOT NULL DEFAULT '{}'`);
    await db.query(`ALTER TABLE "scim_record" ADD "unlinked_at" timestamptz(3)`);
    // Records an admin unlinked before the column existed still say so in their last error.
    await db.query(
      `UPDATE "scim_record" SET "unlinked_at" = "updated_at"
        WHERE "account_id" IS NULL AND "sync_status" = 'PENDING' AND "last_error" LIKE 'Unlinked by %'`,
    );
    await db.query(`CREATE INDEX "scim_push_organization_id_id_idx" ON "scim_push" ("organization_id", "id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX "scim_push_organization_id_id_idx"`);
    await db.query(`ALTER TABLE "scim_record" DROP COLUMN "unlinked_at"`);
    await db.query(`ALTER TABLE "scim_push" DROP COLUMN "findings"`);
  }
}
