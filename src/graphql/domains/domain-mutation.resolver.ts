import { Arg, Args, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import { MutationOptions, assertNever, notFoundError } from '../../common';
import type { Context } from '../../context';
import { DomainVerificationMethod, type DomainOutcome, MigrationStatus } from '../../domains';
import { DomainMigrationPayload, DomainPayload } from './domain.payloads';
import {
  addDomain,
  endDomainMigration,
  startDomainMigration,
  type MigrationOutcome,
  claimDomain,
  verifyDomain,
} from '../../workflows';

function migrationPayload(outcome: MigrationOutcome) {
  switch (outcome.kind) {
    case 'started':
    case 'ended':
      return { migration: outcome.migration, staleAccounts: outcome.staleAccounts, userErrors: [] };
    case 'refused':
      return {
        migration: outcome.migration ?? null,
        staleAccounts: outcome.staleAccounts ?? [],
        userErrors: outcome.errors,
      };
    default:
      return assertNever(outcome);
  }
}

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
      domainPayload(await addDomain(m, args)),
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
    return ctx.mutate(DomainMigrationPayload, { action: 'startDomainMigration', args, ...options }, async (m) =>
      migrationPayload(await startDomainMigration(m, args)),
    );
  }

  @Mutation(() => DomainMigrationPayload, {
    description:
      'Ends an IN_PROGRESS migration as COMPLETED, only when it is ready. Each thing missing is one userError, its field naming the part of the migration at fault: fromDomain / toDomain (DOMAIN_NOT_VERIFIED or DOMAIN_NOT_CLAIMED, rule R4: both must still be verified and claimed), staleAccounts (MIGRATION_NOT_READY, rule R5: active accounts left on the old domain that no SCIM record backs; suspend, deactivate or move them; the payload lists them), conflicts (MIGRATION_NOT_READY: OPEN STALE_EXTERNAL_ACCOUNT conflicts of the migration; resolve or dismiss them). Also NOT_FOUND, VERSION_CONFLICT, MIGRATION_ENDED (already COMPLETED or CANCELLED). Use dryRun to ask only whether it is ready.',
  })
  @RequireScope(Scope.ADMIN)
  completeDomainMigration(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(DomainMigrationPayload, { action: 'completeDomainMigration', args, ...options }, async (m) =>
      migrationPayload(await endDomainMigration(m, args, MigrationStatus.COMPLETED)),
    );
  }

  @Mutation(() => DomainMigrationPayload, {
    description:
      'Cancels an IN_PROGRESS migration (CANCELLED): accounts stay where they are, and the STALE_EXTERNAL_ACCOUNT conflicts it opened are resolved (without a migration rule R5 no longer finds them; if the old domain is no longer verified, its unbacked accounts are external and get an external STALE_EXTERNAL_ACCOUNT conflict instead). Refusals: NOT_FOUND, VERSION_CONFLICT, MIGRATION_ENDED.',
  })
  @RequireScope(Scope.ADMIN)
  cancelDomainMigration(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(DomainMigrationPayload, { action: 'cancelDomainMigration', args, ...options }, async (m) =>
      migrationPayload(await endDomainMigration(m, args, MigrationStatus.CANCELLED)),
    );
  }
}
