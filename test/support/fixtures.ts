import type { DataSource } from 'typeorm';
import { Organization } from '../../src/organizations/organization.entity';
import { Domain } from '../../src/domains/domain.entity';
import { DomainStatus } from '../../src/domains/domain.enums';
import { newVerificationToken } from '../../src/domains/domain-verification';
import { Account } from '../../src/accounts/account.entity';
import { AccountOrigin } from '../../src/accounts/account.enums';
import { Directory } from '../../src/directories/directory.entity';
import { IdentityProvider } from '../../src/directories/directory.enums';
import { newDirectoryToken } from '../../src/directories/directory-token';

/** Direct inserts for a test's starting state: what exists before the story begins. */
export function fixtures(db: DataSource) {
  return {
    organization: (slug: string) => db.getRepository(Organization).save({ name: slug.toUpperCase(), slug }),
    domain: (organizationId: string, name: string, state: { verified?: boolean; claimed?: boolean } = {}) =>
      db.getRepository(Domain).save({
        organizationId,
        name,
        status: state.verified ? DomainStatus.VERIFIED : DomainStatus.UNVERIFIED,
        verifiedAt: state.verified ? new Date() : null,
        claimedAt: state.claimed ? new Date() : null,
        verificationToken: newVerificationToken(),
      }),
    directory: async (organizationId: string, name: string, mapping: { sso?: string; scim?: string } = {}) => {
      const { token, hash } = newDirectoryToken();
      const directory = await db.getRepository(Directory).save({
        organizationId,
        name,
        provider: IdentityProvider.OKTA,
        ssoEmailAttribute: mapping.sso ?? 'user.email',
        scimEmailAttribute: mapping.scim ?? 'user.email',
        tokenHash: hash,
        tokenIssuedAt: new Date(),
      });
      return Object.assign(directory, { token });
    },
    account: (organizationId: string, email: string, options: { origin?: AccountOrigin; managed?: boolean } = {}) =>
      db.getRepository(Account).save({
        organizationId,
        email,
        emailDomain: email.split('@')[1].toLowerCase(),
        origin: options.origin ?? AccountOrigin.SELF_SIGNUP,
        managed: options.managed ?? false,
        claimedAt: options.managed ? new Date() : null,
      }),
  };
}
