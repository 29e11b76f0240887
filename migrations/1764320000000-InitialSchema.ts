import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole data model. Integrity lives here, not only in code: case-insensitive email
 * uniqueness, per-directory SCIM identities, one VERIFIED holder per domain, one OPEN
 * conflict per cause, CHECKs on every enum-like column, and deliberate ON DELETE rules.
 */
export class InitialSchema1764320000000 implements MigrationInterface {
  name = 'InitialSchema1764320000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "organization" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "slug" text NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "organization_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "organization_slug_key" UNIQUE ("slug")
      )`);

    await db.query(`
      CREATE TABLE "domain" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "name" text NOT NULL,
        "status" text NOT NULL DEFAULT 'UNVERIFIED',
        "verification_method" text NOT NULL DEFAULT 'DNS_TXT',
        "verification_token" text NOT NULL,
        "verified_at" timestamptz(3),
        "last_checked_at" timestamptz(3),
        "last_check_error" text,
        "claimed_at" timestamptz(3),
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "domain_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domain_organization_id_name_key" UNIQUE ("organization_id", "name"),
        CONSTRAINT "domain_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "domain_status_check" CHECK ("status" IN ('UNVERIFIED', 'VERIFIED', 'MISSING_TOKEN', 'SUPERSEDED')),
        CONSTRAINT "domain_verification_method_check" CHECK ("verification_method" IN ('DNS_TXT', 'HTTPS_FILE')),
        CONSTRAINT "domain_name_check" CHECK ("name" = lower("name") AND "name" LIKE '%_._%')
      )`);
    // One organization at a time may hold a domain VERIFIED.
    await db.query(`CREATE UNIQUE INDEX "domain_verified_name_key" ON "domain" ("name") WHERE "status" = 'VERIFIED'`);

    await db.query(`
      CREATE TABLE "account" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "email" text NOT NULL,
        "email_domain" text NOT NULL,
        "display_name" text,
        "origin" text NOT NULL,
        "status" text NOT NULL DEFAULT 'ACTIVE',
        "status_reason" text,
        "managed" boolean NOT NULL DEFAULT false,
        "claimed_at" timestamptz(3),
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "account_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "account_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "account_origin_check" CHECK ("origin" IN ('SCIM', 'SELF_SIGNUP', 'INVITATION')),
        CONSTRAINT "account_status_check" CHECK ("status" IN ('ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
        CONSTRAINT "account_email_check" CHECK ("email" ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length("email") <= 320),
        CONSTRAINT "account_email_domain_check" CHECK ("email_domain" = split_part(lower("email"), '@', 2))
      )`);
    // The uniqueness that makes conflicts: one account per email, whatever its case, system-wide.
    await db.query(`CREATE UNIQUE INDEX "account_email_lower_key" ON "account" (lower("email"))`);
    // Keyset order and prefix search of account lists: byte order (COLLATE "C") makes LIKE 'x%' an index range.
    await db.query(
      `CREATE INDEX "account_organization_email_idx" ON "account" ("organization_id", (lower("email") COLLATE "C"))`,
    );
    await db.query(
      `CREATE INDEX "account_organization_domain_email_idx" ON "account" ("organization_id", "email_domain", (lower("email") COLLATE "C"))`,
    );
    await db.query(
      `CREATE INDEX "account_organization_status_email_idx" ON "account" ("organization_id", "status", (lower("email") COLLATE "C"))`,
    );
    await db.query(
      `CREATE INDEX "account_organization_origin_email_idx" ON "account" ("organization_id", "origin", (lower("email") COLLATE "C"))`,
    );
    await db.query(
      `CREATE INDEX "account_organization_unmanaged_email_idx" ON "account" ("organization_id", "email_domain", (lower("email") COLLATE "C")) WHERE NOT "managed"`,
    );

    await db.query(`
      CREATE TABLE "account_email_change" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "organization_id" uuid NOT NULL,
        "account_id" uuid NOT NULL,
        "previous_email" text NOT NULL,
        "new_email" text NOT NULL,
        "action" text NOT NULL,
        "actor" text NOT NULL,
        "changed_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "account_email_change_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "account_email_change_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "account_email_change_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX "account_email_change_account_id_changed_at_idx" ON "account_email_change" ("account_id", "changed_at")`,
    );
    await db.query(
      `CREATE INDEX "account_email_change_previous_email_lower_idx" ON "account_email_change" (lower("previous_email"))`,
    );

    await db.query(`
      CREATE TABLE "directory" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "name" text NOT NULL,
        "provider" text NOT NULL DEFAULT 'OTHER',
        "sso_email_attribute" text NOT NULL,
        "scim_email_attribute" text NOT NULL,
        "token_hash" text,
        "token_issued_at" timestamptz(3),
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "directory_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "directory_organization_id_name_key" UNIQUE ("organization_id", "name"),
        CONSTRAINT "directory_token_hash_key" UNIQUE ("token_hash"),
        CONSTRAINT "directory_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "directory_provider_check" CHECK ("provider" IN ('OKTA', 'ENTRA_ID', 'GOOGLE', 'ONELOGIN', 'OTHER'))
      )`);

    await db.query(`
      CREATE TABLE "scim_record" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "directory_id" uuid NOT NULL,
        "account_id" uuid,
        "external_id" text,
        "user_name" text NOT NULL,
        "email" text,
        "emails" jsonb NOT NULL DEFAULT '[]',
        "given_name" text,
        "family_name" text,
        "display_name" text,
        "active" boolean NOT NULL DEFAULT true,
        "raw_payload" jsonb NOT NULL DEFAULT '{}',
        "sync_status" text NOT NULL DEFAULT 'PENDING',
        "last_error" text,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_retry_at" timestamptz(3),
        "last_synced_at" timestamptz(3),
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "scim_record_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "scim_record_directory_id_external_id_key" UNIQUE ("directory_id", "external_id"),
        CONSTRAINT "scim_record_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_record_directory_id_fkey" FOREIGN KEY ("directory_id") REFERENCES "directory"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_record_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE SET NULL,
        CONSTRAINT "scim_record_sync_status_check" CHECK ("sync_status" IN ('SYNCED', 'PENDING', 'FAILED')),
        CONSTRAINT "scim_record_attempts_check" CHECK ("attempts" >= 0)
      )`);
    // SCIM userName is case-insensitive (RFC 7643 §4.1.1).
    await db.query(
      `CREATE UNIQUE INDEX "scim_record_directory_user_name_key" ON "scim_record" ("directory_id", lower("user_name"))`,
    );
    await db.query(`CREATE INDEX "scim_record_email_lower_idx" ON "scim_record" ("organization_id", lower("email"))`);
    await db.query(`CREATE INDEX "scim_record_account_id_idx" ON "scim_record" ("account_id")`);
    await db.query(
      `CREATE INDEX "scim_record_organization_id_created_at_id_idx" ON "scim_record" ("organization_id", "created_at", "id")`,
    );
    await db.query(
      `CREATE INDEX "scim_record_organization_id_sync_status_created_at_id_idx" ON "scim_record" ("organization_id", "sync_status", "created_at", "id")`,
    );
    await db.query(
      `CREATE INDEX "scim_record_directory_id_created_at_id_idx" ON "scim_record" ("directory_id", "created_at", "id")`,
    );
    await db.query(
      `CREATE INDEX "scim_record_next_retry_at_idx" ON "scim_record" ("next_retry_at") WHERE "sync_status" = 'FAILED'`,
    );

    await db.query(`
      CREATE TABLE "scim_push" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "organization_id" uuid NOT NULL,
        "directory_id" uuid NOT NULL,
        "scim_record_id" uuid,
        "operation" text NOT NULL,
        "outcome" text NOT NULL,
        "http_status" integer,
        "detail" text,
        "payload" jsonb,
        "actor" text NOT NULL,
        "request_id" text,
        "received_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "scim_push_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "scim_push_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_push_directory_id_fkey" FOREIGN KEY ("directory_id") REFERENCES "directory"("id") ON DELETE CASCADE,
        CONSTRAINT "scim_push_scim_record_id_fkey" FOREIGN KEY ("scim_record_id") REFERENCES "scim_record"("id") ON DELETE SET NULL,
        CONSTRAINT "scim_push_operation_check" CHECK ("operation" IN ('CREATE', 'REPLACE', 'PATCH', 'DELETE', 'RESYNC')),
        CONSTRAINT "scim_push_outcome_check" CHECK ("outcome" IN ('APPLIED', 'PENDING', 'CONFLICT', 'REJECTED'))
      )`);
    await db.query(`CREATE INDEX "scim_push_scim_record_id_id_idx" ON "scim_push" ("scim_record_id", "id")`);
    await db.query(`CREATE INDEX "scim_push_directory_id_id_idx" ON "scim_push" ("directory_id", "id")`);

    await db.query(`
      CREATE TABLE "conflict" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "status" text NOT NULL DEFAULT 'OPEN',
        "cause_key" text NOT NULL,
        "summary" text NOT NULL,
        "email" text,
        "account_id" uuid,
        "conflicting_account_id" uuid,
        "scim_record_id" uuid,
        "directory_id" uuid,
        "domain_id" uuid,
        "detected_at" timestamptz(3) NOT NULL DEFAULT now(),
        "closed_at" timestamptz(3),
        "actions_taken" text[] NOT NULL DEFAULT '{}',
        "resolution" text,
        "closed_by" text,
        "dismiss_reason" text,
        "version" integer NOT NULL DEFAULT 1,
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "conflict_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "conflict_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "conflict_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE SET NULL,
        CONSTRAINT "conflict_conflicting_account_id_fkey" FOREIGN KEY ("conflicting_account_id") REFERENCES "account"("id") ON DELETE SET NULL,
        CONSTRAINT "conflict_scim_record_id_fkey" FOREIGN KEY ("scim_record_id") REFERENCES "scim_record"("id") ON DELETE SET NULL,
        CONSTRAINT "conflict_directory_id_fkey" FOREIGN KEY ("directory_id") REFERENCES "directory"("id") ON DELETE SET NULL,
        CONSTRAINT "conflict_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domain"("id") ON DELETE SET NULL,
        CONSTRAINT "conflict_kind_check" CHECK ("kind" IN ('EMAIL_TAKEN', 'MAPPING_MISMATCH', 'UNVERIFIED_DOMAIN', 'UNMANAGED_ACCOUNT', 'DUPLICATE_ACCOUNTS', 'STALE_EXTERNAL_ACCOUNT')),
        CONSTRAINT "conflict_status_check" CHECK ("status" IN ('OPEN', 'RESOLVED', 'DISMISSED')),
        CONSTRAINT "conflict_closed_check" CHECK (("status" = 'OPEN' AND "closed_at" IS NULL) OR ("status" <> 'OPEN' AND "closed_at" IS NOT NULL))
      )`);
    // Detection is idempotent because a second OPEN conflict for the same cause cannot exist.
    await db.query(
      `CREATE UNIQUE INDEX "conflict_open_cause_key" ON "conflict" ("organization_id", "kind", "cause_key") WHERE "status" = 'OPEN'`,
    );
    await db.query(
      `CREATE INDEX "conflict_organization_id_detected_at_id_idx" ON "conflict" ("organization_id", "detected_at", "id")`,
    );
    await db.query(
      `CREATE INDEX "conflict_organization_id_status_detected_at_id_idx" ON "conflict" ("organization_id", "status", "detected_at", "id")`,
    );
    await db.query(
      `CREATE INDEX "conflict_organization_id_kind_status_detected_at_id_idx" ON "conflict" ("organization_id", "kind", "status", "detected_at", "id")`,
    );
    await db.query(`CREATE INDEX "conflict_directory_id_status_idx" ON "conflict" ("directory_id", "status")`);
    await db.query(`CREATE INDEX "conflict_account_id_idx" ON "conflict" ("account_id")`);
    await db.query(`CREATE INDEX "conflict_conflicting_account_id_idx" ON "conflict" ("conflicting_account_id")`);
    await db.query(`CREATE INDEX "conflict_scim_record_id_idx" ON "conflict" ("scim_record_id")`);
    await db.query(`CREATE INDEX "conflict_domain_id_idx" ON "conflict" ("domain_id")`);

    await db.query(`
      CREATE TABLE "audit_event" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "organization_id" uuid NOT NULL,
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "target_type" text NOT NULL,
        "target_id" uuid,
        "before" jsonb,
        "after" jsonb,
        "request_id" text,
        "occurred_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "audit_event_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX "audit_event_organization_id_id_idx" ON "audit_event" ("organization_id", "id")`);
    await db.query(
      `CREATE INDEX "audit_event_organization_id_target_id_id_idx" ON "audit_event" ("organization_id", "target_id", "id")`,
    );
    await db.query(
      `CREATE INDEX "audit_event_organization_id_action_id_idx" ON "audit_event" ("organization_id", "action", "id")`,
    );
    await db.query(
      `CREATE INDEX "audit_event_organization_id_actor_id_idx" ON "audit_event" ("organization_id", "actor", "id")`,
    );
    await db.query(
      `CREATE INDEX "audit_event_organization_id_request_id_idx" ON "audit_event" ("organization_id", "request_id")`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'audit_event',
      'conflict',
      'scim_push',
      'scim_record',
      'directory',
      'account_email_change',
      'account',
      'domain',
      'organization',
    ]) {
      await db.query(`DROP TABLE "${table}"`);
    }
  }
}
