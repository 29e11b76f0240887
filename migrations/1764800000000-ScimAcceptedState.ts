import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A SCIM User as the IdP was last told it is (its last push answered 2xx), kept while a later push
 * waits to be applied (answered 409, stored as the desired state): GET answers this one, not the
 * refused one. `{}`: no push of the record was ever accepted (a refused create), so SCIM reads do
 * not see it. NULL: the columns are the accepted state.
 */
export class ScimAcceptedState1764800000000 implements MigrationInterface {
  name = 'ScimAcceptedState1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "scim_record" ADD "accepted_state" jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "scim_record" DROP COLUMN "accepted_state"`);
  }
}
