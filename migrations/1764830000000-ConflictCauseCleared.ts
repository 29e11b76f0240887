import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dismissal holds while its cause is unchanged, and ends when the cause goes away: a dismissed
 * conflict records when its cause was found gone, so the cause coming back (the same facts again)
 * opens a conflict anew instead of staying dismissed. Existing dismissals start as holding; the
 * next rescan marks those whose cause is gone.
 */
export class ConflictCauseCleared1764830000000 implements MigrationInterface {
  name = 'ConflictCauseCleared1764830000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "conflict" ADD "cause_cleared_at" timestamptz(3)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "conflict" DROP COLUMN "cause_cleared_at"`);
  }
}
