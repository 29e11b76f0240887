import type { DataSource } from 'typeorm';
import { ExpiringMap } from '../common';
import { OrganizationService } from '../organizations';

/** How long an organization seen to exist is believed to, without asking again. */
const KNOWN_ORGANIZATION_TTL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Whether a token's organization exists. A signed token can outlive its organization (deleted,
 * reseeded, or minted against another database); without this check its queries see nothing and
 * its writes fail on a foreign key. Existing ids are remembered for a minute, so a steady caller
 * costs no query; unknown ids are never remembered, so an organization created a moment ago works at once.
 */
export class KnownOrganizations {
  private readonly known = new ExpiringMap<string, true>(MAX_REMEMBERED);
  private readonly asking = new Map<string, Promise<boolean>>();
  private readonly organizations: OrganizationService;

  constructor(
    db: DataSource,
    private readonly ttlMs = KNOWN_ORGANIZATION_TTL_MS,
  ) {
    this.organizations = new OrganizationService(db);
  }

  async exists(organizationId: string): Promise<boolean> {
    if (this.known.get(organizationId)) return true;
    // Callers arriving together share one query.
    let answer = this.asking.get(organizationId);
    if (!answer) {
      answer = this.lookUp(organizationId).finally(() => this.asking.delete(organizationId));
      this.asking.set(organizationId, answer);
    }
    return answer;
  }

  private async lookUp(organizationId: string): Promise<boolean> {
    if (!(await this.organizations.exists(organizationId))) {
      this.known.delete(organizationId);
      return false;
    }
    this.known.set(organizationId, true, Date.now() + this.ttlMs);
    return true;
  }
}

export const unknownOrganizationMessage = (organizationId: string) =>
  `The token's organization ${organizationId} is unknown (deleted, or the token was minted for another database); get a new token.`;
