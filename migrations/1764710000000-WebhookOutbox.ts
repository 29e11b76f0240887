import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: subscriptions (`webhook`) and the outbox that is also the delivery log
 * (`webhook_delivery`, one row per event per subscribed webhook, with every attempt).
 *
 * Events come from the audit trail: every change that opens or closes a conflict, fails a SCIM
 * record or changes a domain's verification already writes its audit event in the transaction
 * of the change (by `m.audit`, or by the conflict ledger's data-modifying CTEs, which bypass any
 * TypeScript hook). A statement-level trigger on `audit_event` turns those events into outbox rows
 * for each webhook of the event's organization subscribed to the event: in the same transaction
 * (a rolled-back change, or a dry run, sends nothing), in one INSERT ... SELECT per statement
 * (a rescan opening thousands of conflicts costs one), and with no call site in the features.
 * Events the trail does not carry are written from code with `emitEvent` (src/webhooks).
 *
 * The mapping (audit event -> event name) is this function's CASE; a new event is a new migration
 * that replaces the function (and a value in WebhookEvent).
 */
export class WebhookOutbox1764710000000 implements MigrationInterface {
  name = 'WebhookOutbox1764710000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "webhook" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "url" text NOT NULL,
        "events" text array NOT NULL,
        "description" text,
        "secret" text NOT NULL,
        "created_by" text NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "webhook_events_check" CHECK (cardinality("events") > 0)
      )`);
    await db.query(
      `CREATE INDEX "webhook_organization_id_created_at_id_idx" ON "webhook" ("organization_id", "created_at", "id")`,
    );

    await db.query(`
      CREATE TABLE "webhook_delivery" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "organization_id" uuid NOT NULL,
        "webhook_id" uuid NOT NULL,
        "event_id" text NOT NULL,
        "event_type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "status" text NOT NULL DEFAULT 'PENDING',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz(3) DEFAULT now(),
        "last_status_code" integer,
        "last_error" text,
        "attempt_log" jsonb NOT NULL DEFAULT '[]',
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "delivered_at" timestamptz(3),
        CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_delivery_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE CASCADE,
        CONSTRAINT "webhook_delivery_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhook"("id") ON DELETE CASCADE,
        CONSTRAINT "webhook_delivery_status_check" CHECK ("status" IN ('PENDING', 'DELIVERED', 'FAILED')),
        CONSTRAINT "webhook_delivery_attempts_check" CHECK ("attempts" >= 0)
      )`);
    // The delivery log, newest first.
    await db.query(
      `CREATE INDEX "webhook_delivery_organization_id_created_at_id_idx" ON "webhook_delivery" ("organization_id", "created_at", "id")`,
    );
    // Deleting a webhook deletes its deliveries.
    await db.query(`CREATE INDEX "webhook_delivery_webhook_id_idx" ON "webhook_delivery" ("webhook_id")`);
    // The worker's due deliveries.
    await db.query(
      `CREATE INDEX "webhook_delivery_next_attempt_at_idx" ON "webhook_delivery" ("next_attempt_at") WHERE "status" = 'PENDING'`,
    );

    await db.query(`
      CREATE FUNCTION "webhook_events_from_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Most statements (account changes, pushes that sync) carry no event: leave before planning the rest.
        IF NOT EXISTS (SELECT FROM inserted WHERE target_type IN ('Conflict', 'ScimRecord', 'Domain')) THEN
          RETURN NULL;
        END IF;
        INSERT INTO webhook_delivery (organization_id, webhook_id, event_id, event_type, payload)
        SELECT e.organization_id, w.id, e.id::text, ev.type,
               jsonb_build_object(
                 'id', e.id::text,
                 'type', ev.type,
                 'occurredAt', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                 'organizationId', e.organization_id,
                 'actor', e.actor,
                 'action', e.action,
                 'requestId', e.request_id,
                 'data', jsonb_build_object(
                   'target', jsonb_build_object('type', e.target_type, 'id', e.target_id),
                   'before', e.before,
                   'after', e.after,
                   'conflict', CASE WHEN c.id IS NULL THEN NULL ELSE jsonb_build_object(
                     'id', c.id, 'kind', c.kind, 'status', c.status, 'summary', c.summary, 'email', c.email,
                     'accountId', c.account_id, 'conflictingAccountId', c.conflicting_account_id,
                     'scimRecordId', c.scim_record_id, 'directoryId', c.directory_id, 'domainId', c.domain_id,
                     'resolution', c.resolution) END))
          FROM inserted e
          CROSS JOIN LATERAL (SELECT CASE
              WHEN e.target_type = 'Conflict' AND e.before IS NULL AND e.after->>'status' = 'OPEN'
                THEN 'conflict.opened'
              WHEN e.target_type = 'Conflict' AND e.before->>'status' = 'OPEN' AND e.after->>'status' = 'RESOLVED'
                THEN 'conflict.resolved'
              WHEN e.target_type = 'Conflict' AND e.before->>'status' = 'OPEN' AND e.after->>'status' = 'DISMISSED'
                THEN 'conflict.dismissed'
              WHEN e.target_type = 'ScimRecord' AND e.after->>'syncStatus' = 'FAILED'
                   AND (e.before->>'syncStatus') IS DISTINCT FROM 'FAILED'
                THEN 'scimRecord.failed'
              WHEN e.target_type = 'Domain' AND e.after->>'status' = 'VERIFIED'
                   AND (e.before->>'status') IS DISTINCT FROM 'VERIFIED'
                THEN 'domain.verified'
              WHEN e.target_type = 'Domain' AND e.before->>'status' = 'VERIFIED'
                   AND e.after->>'status' IN ('MISSING_TOKEN', 'SUPERSEDED')
                THEN 'domain.verificationLost'
            END AS type) ev
          JOIN webhook w ON w.organization_id = e.organization_id AND ev.type = ANY (w.events)
          LEFT JOIN conflict c ON e.target_type = 'Conflict' AND c.id = e.target_id
         WHERE ev.type IS NOT NULL;
        RETURN NULL;
      END
      $$`);
    await db.query(`
      CREATE TRIGGER "webhook_events_from_audit" AFTER INSERT ON "audit_event"
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION "webhook_events_from_audit"()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER "webhook_events_from_audit" ON "audit_event"`);
    await db.query(`DROP FUNCTION "webhook_events_from_audit"()`);
    await db.query(`DROP TABLE "webhook_delivery"`);
    await db.query(`DROP TABLE "webhook"`);
  }
}
