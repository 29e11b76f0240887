import { sql } from 'kysely';
import { tag } from '../db';
import { DomainErrorCode } from '../domains';
import type { DomainFacts, Finding, Rule } from './rule';

/** R4: a domain migration starts only when both domains are verified and claimed. */
export const R4: Rule<{ from: DomainFacts; to: DomainFacts }> = {
  id: 'R4',
  title: 'Migrations need both domains verified and claimed',
  description: 'Before any account moves from an old domain to a new one, the organization verifies and claims both.',
  code: ({ from, to }) =>
    from.status === 'VERIFIED' && to.status === 'VERIFIED'
      ? DomainErrorCode.DOMAIN_NOT_CLAIMED
      : DomainErrorCode.DOMAIN_NOT_VERIFIED,
  evaluate: ({ from, to }) => {
    const missing = [from, to].flatMap((domain) => [
      ...(domain.status === 'VERIFIED' ? [] : [`${domain.name} is not verified`]),
      ...(domain.claimed ? [] : [`${domain.name} is not claimed`]),
    ]);
    return missing.length === 0 ? null : `Not ready to migrate ${from.name} to ${to.name}: ${missing.join(', ')}.`;
  },
  // Refusals only: a migration that is not ready does not start.
  detectors: [],
  async findings(db, organizationId) {
    // Migrations not completed (of the 50 newest, as the report lists them) whose domains no longer both qualify.
    const { rows } = await sql<{
      id: string;
      status: string;
      fromName: string;
      fromStatus: string;
      fromClaimed: boolean;
      toName: string;
      toStatus: string;
      toClaimed: boolean;
    }>`${tag('report:r4')}
      SELECT mg.id, mg.status, f.name AS from_name, f.status AS from_status, f.claimed_at IS NOT NULL AS from_claimed,
             t.name AS to_name, t.status AS to_status, t.claimed_at IS NOT NULL AS to_claimed
        FROM (SELECT * FROM domain_migration WHERE organization_id = ${organizationId} ORDER BY created_at DESC LIMIT 50) mg
        JOIN domain f ON f.id = mg.from_domain_id JOIN domain t ON t.id = mg.to_domain_id
       WHERE mg.status <> 'COMPLETED'
       ORDER BY mg.created_at DESC`.execute(db);
    return rows.flatMap((row): Finding[] => {
      const message = R4.evaluate({
        from: { name: row.fromName, status: row.fromStatus, claimed: row.fromClaimed },
        to: { name: row.toName, status: row.toStatus, claimed: row.toClaimed },
      });
      return message === null ? [] : [{ subjectType: 'DomainMigration', subjectId: row.id, message }];
    });
  },
};
