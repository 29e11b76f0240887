import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SCIM groups and their members, as IdPs push them to `/scim/directory/{id}/Groups`. Members are
 * SCIM records of the group's directory; deleting either side deletes the membership.
 */
export class ScimGroups1764500000000 implements MigrationInterface {
  name = 'ScimGroups1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "scim_group" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "directory_id" uuid NOT NULL,
        "external_id" text,
        "display_name" text NOT NULL,
        "raw_payload" jsonb NOT NULL DEFAULT '{}',
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "scim_group_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "scim_group_directory_id_external_id_key" UNIQUE ("directory_id", "external_id"),
        CONSTRAINT "scim_group_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_group_directory_id_fkey" FOREIGN KEY ("directory_id") REFERENCES "directory"("id") ON DELETE CASCADE
      )`);
    // IdPs look groups up by name (`displayName eq "..."`), case-insensitively.
    await db.query(
      `CREATE INDEX "scim_group_directory_id_display_name_lower_idx" ON "scim_group" ("directory_id", lower("display_name"))`,
    );
    // Listing a directory's groups pages in creation order.
    await db.query(
      `CREATE INDEX "scim_group_directory_id_created_at_id_idx" ON "scim_group" ("directory_id", "created_at", "id")`,
    );

    await db.query(`
      CREATE TABLE "scim_group_member" (
        "group_id" uuid NOT NULL,
        "scim_record_id" uuid NOT NULL,
        CONSTRAINT "scim_group_member_pkey" PRIMARY KEY ("group_id", "scim_record_id"),
        CONSTRAINT "scim_group_member_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "scim_group"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_group_member_scim_record_id_fkey" FOREIGN KEY ("scim_record_id") REFERENCES "scim_record"("id") ON DELETE CASCADE
      )`);
    // Account.groups and ScimRecord.groups go from the record to its groups.
    await db.query(`CREATE INDEX "scim_group_member_scim_record_id_idx" ON "scim_group_member" ("scim_record_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "scim_group_member"`);
    await db.query(`DROP TABLE "scim_group"`);
  }
}
