import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dismissal holds while its cause is unchanged: every detection looks up the latest closed
 * conflict of each detected cause (kind, cause key); without an index each lookup scanned the
 * organization's closed conflicts of the kind.
 */
export class ConflictClosedCauseIndex1764820000000 implements MigrationInterface {
  name = 'ConflictClosedCauseIndex1764820000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX "conflict_closed_cause_idx" ON "conflict" ("organization_id", "kind", "cause_key", "closed_at") WHERE "status" <> 'OPEN'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX "conflict_closed_cause_idx"`);
  }
}
