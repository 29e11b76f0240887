import { Arg, Args, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { RequireScope } from '../auth/authorization';
import { Scope } from '../auth/scopes';
import { MutationOptions } from '../common/mutation';
import { assertNever } from '../common/assert-never';
import { notFoundError } from '../common/user-error';
import type { Context } from '../context';
import { DomainVerificationMethod } from './domain.enums';
import { DomainMigrationPayload, DomainPayload } from './domain.payloads';
import { domainMutations, type DomainOutcome } from './domain.service';
import { startDomainMigration } from '../workflows/domain-migrations';
import { claimDomain } from '../workflows/claims';
import { verifyDomain } from '../workflows/domain-verification';

function domainPayload(outcome: DomainOutcome) {
  switch (outcome.kind) {
    case 'changed':
    case 'unchanged':
      return { domain: outcome.domain, claimedAccounts: outcome.claimedAccounts ?? null, userErrors: [] };
    case 'check_failed':
      // The failed check is recorded on the domain (lastCheckedAt, lastCheckError, MISSING_TOKEN).
      return { domain: outcome.domain, claimedAccounts: null, userErrors: [outcome.error], persist: true };
    case 'refused':
      return { domain: outcome.domain ?? null, claimedAccounts: null, userErrors: [outcome.error] };
    default:
      return assertNever(outcome);
  }
}

@Resolver()
export class DomainMutationResolver {
  @Mutation(() => DomainPayload, {
    description:
      'Asserts an email domain (normalized: lower case, punycode; IPs, wildcards and public suffixes refused). Read `domain.verification` for what to publish.',
  })
  @RequireScope(Scope.ADMIN)
  addDomain(
    @Arg('name') name: string,
    @Arg('method', () => DomainVerificationMethod, { defaultValue: DomainVerificationMethod.DNS_TXT })
    method: DomainVerificationMethod,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { name, method };
    return ctx.mutate(DomainPayload, { action: 'addDomain', args, ...options }, async (m) =>
      domainPayload(await domainMutations.add(m, args)),
    );
  }

  @Mutation(() => DomainPayload, {
    description:
      'Checks the DNS TXT record or HTTPS file now. Success: VERIFIED (an older holder in another organization becomes SUPERSEDED), and every account of another organization on the domain gets a DOMAIN_OWNED_ELSEWHERE conflict there (rule R8: its addresses now belong to this organization). Failure: VERIFICATION_FAILED, recorded; a VERIFIED domain whose proof is gone becomes MISSING_TOKEN.',
  })
  @RequireScope(Scope.ADMIN)
  async verifyDomain(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const domain = await ctx.loaders.domains.byId.load(id);
    // The network check runs before the transaction: no row lock is held while waiting on DNS or HTTP.
    // An unknown id needs no check, but still goes through the runner (its key checks answer first).
    const result = domain
      ? await ctx.services.domainChecker.check({
          domain: domain.name,
          method: domain.verificationMethod,
          token: domain.verificationToken,
        })
      : null;
    const args = { id, expectedVersion };
    return ctx.mutate(DomainPayload, { action: 'verifyDomain', args, ...options }, async (m) =>
      domainPayload(
        result === null
          ? { kind: 'refused', error: notFoundError('domain', 'id') }
          : await verifyDomain(m, args, result),
      ),
    );
  }

  @Mutation(() => DomainPayload, {
    description: 'Claims a VERIFIED domain (rule R3); every unmanaged account on it becomes managed.',
  })
  @RequireScope(Scope.ADMIN)
  claimDomain(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(DomainPayload, { action: 'claimDomain', args, ...options }, async (m) =>
      domainPayload(await claimDomain(m, args)),
    );
  }

  @Mutation(() => DomainMigrationPayload, {
    description:
      'Starts moving accounts from one domain to another when both are verified and claimed (rule R4), and lists the accounts on the old domain that no SCIM record backs (rule R5). Use dryRun to ask only for readiness.',
  })
  @RequireScope(Scope.ADMIN)
  startDomainMigration(
    @Arg('fromDomain') fromDomain: string,
    @Arg('toDomain') toDomain: string,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { fromDomain, toDomain };
    return ctx.mutate(DomainMigrationPayload, { action: 'startDomainMigration', args, ...options }, async (m) => {
      const outcome = await startDomainMigration(m, args);
      return outcome.kind === 'started'
        ? { migration: outcome.migration, staleAccounts: outcome.staleAccounts, userErrors: [] }
        : { migration: null, staleAccounts: [], userErrors: outcome.errors };
    });
  }
}
