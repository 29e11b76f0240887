import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = [
  'EMAIL_TAKEN',
  'MAPPING_MISMATCH',
  'UNVERIFIED_DOMAIN',
  'UNMANAGED_ACCOUNT',
  'DUPLICATE_ACCOUNTS',
  'STALE_EXTERNAL_ACCOUNT',
];
// The wording of src/conflicts/conflict-summaries.ts NOT_AVAILABLE when this migration was written.
const UNAVAILABLE =
  'which is not available to your organization: it is in use outside it, or its domain belongs to another organization.';
const kindCheck = (kinds: string[]) =>
  `ALTER TABLE "conflict" ADD CONSTRAINT "conflict_kind_check" CHECK ("kind" IN (${kinds.map((kind) => `'${kind}'`).join(', ')}))`;

/**
 * Rule R8: the DOMAIN_OWNED_ELSEWHERE conflict kind, an index on domain names so that every
 * address change can find (and share-lock) the other organizations' rows of its domain, and the
 * open EMAIL_TAKEN conflicts reworded so that none still says an account outside exists.
 */
export class DomainOwnedElsewhere1764600000000 implements MigrationInterface {
  name = 'DomainOwnedElsewhere1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "conflict" DROP CONSTRAINT "conflict_kind_check"`);
    await db.query(kindCheck([...KINDS, 'DOMAIN_OWNED_ELSEWHERE']));
    await db.query(`CREATE INDEX "domain_name_idx" ON "domain" ("name")`);
    await db.query(
      `UPDATE "conflict" SET "summary" = regexp_replace("summary", 'which (an|the) account outside your organization already owns\\.$', $1)
        WHERE "kind" = 'EMAIL_TAKEN' AND "status" = 'OPEN' AND "conflicting_account_id" IS NULL`,
      [UNAVAILABLE],
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // The reworded summaries stay: they are true under the older code too.
    await db.query(`DROP INDEX "domain_name_idx"`);
    // The older schema cannot hold the new kind: its conflicts go with it.
    await db.query(`DELETE FROM "conflict" WHERE "kind" = 'DOMAIN_OWNED_ELSEWHERE'`);
    await db.query(`ALTER TABLE "conflict" DROP CONSTRAINT "conflict_kind_check"`);
    await db.query(kindCheck(KINDS));
  }
}
