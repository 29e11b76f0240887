import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule R6's duplicate detector looks up records by externalId within the organization on every
 * push (the per-change reconcile) and in the rescan; without an index each lookup scanned the
 * organization's records.
 */
export class ScimRecordExternalIdIndex1764810000000 implements MigrationInterface {
  name = 'ScimRecordExternalIdIndex1764810000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX "scim_record_organization_id_external_id_idx" ON "scim_record" ("organization_id", "external_id")`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX "scim_record_organization_id_external_id_idx"`);
  }
}
