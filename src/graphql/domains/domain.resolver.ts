import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope, Scope } from '../../auth';
import { PageArgs, present } from '../../common';
import type { Context } from '../../context';
import { AccountFilter, Account } from '../../accounts';
import { AccountConnection } from '../accounts/account.types';
import {
  Domain,
  DomainStatus,
  DomainVerification,
  verificationInstructions,
  DomainMigration,
  MigrationStatus,
} from '../../domains';

@Resolver(() => Domain)
export class DomainResolver {
  @Query(() => [Domain], { description: 'Domains the organization asserts, by name.' })
  @RequireScope(Scope.READ)
  domains(
    @Arg('status', () => DomainStatus, { nullable: true }) status: DomainStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Domain[]> {
    return ctx.services.domains.list(ctx.organizationId, status);
  }

  @Query(() => Domain, { nullable: true, description: 'By name, in any case, Unicode or punycode.' })
  @RequireScope(Scope.READ)
  async domain(@Arg('name') name: string, @Ctx() ctx: Context): Promise<Domain | null> {
    const [domain = null] = await ctx.loaders.domains.byName.load(name);
    return domain;
  }

  @FieldResolver(() => DomainVerification, { description: 'What to publish so that verifyDomain succeeds.' })
  verification(@Root() domain: Domain): DomainVerification {
    return verificationInstructions(domain);
  }

  @FieldResolver(() => AccountConnection, { description: 'Accounts whose email is on this domain.' })
  async accounts(
    @Root() domain: Domain,
    @Arg('filter', () => AccountFilter, { nullable: true }) filter: AccountFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<AccountConnection> {
    const scoped = { ...(filter ?? new AccountFilter()), domain: domain.name };
    return new AccountConnection(await ctx.services.accounts.list(ctx.organizationId, scoped, page));
  }
}

@Resolver(() => DomainMigration)
export class DomainMigrationResolver {
  @Query(() => [DomainMigration], { description: 'Domain migrations of the organization, newest first.' })
  @RequireScope(Scope.READ)
  domainMigrations(@Ctx() ctx: Context): Promise<DomainMigration[]> {
    return ctx.services.domains.migrations(ctx.organizationId);
  }

  @FieldResolver(() => Domain)
  async fromDomain(@Root() migration: DomainMigration, @Ctx() ctx: Context): Promise<Domain> {
    return present(await ctx.loaders.domains.byId.load(migration.fromDomainId), 'migration.fromDomain');
  }

  @FieldResolver(() => Domain)
  async toDomain(@Root() migration: DomainMigration, @Ctx() ctx: Context): Promise<Domain> {
    return present(await ctx.loaders.domains.byId.load(migration.toDomainId), 'migration.toDomain');
  }

  @FieldResolver(() => [Account], {
    description:
      'Active accounts still on the old domain that no SCIM record backs (rule R5); empty once the migration ended.',
  })
  async staleAccounts(@Root() migration: DomainMigration, @Ctx() ctx: Context): Promise<Account[]> {
    if (migration.status !== MigrationStatus.IN_PROGRESS) return [];
    const from = await ctx.loaders.domains.byId.load(migration.fromDomainId);
    return from ? ctx.loaders.accounts.staleByDomain.load(from.name) : [];
  }
}

export const domainReferenceResolvers = {
  Domain: {
    // Two keys: the gateway sends { id } or { name }.
    __resolveReference: async (reference: { id?: string; name?: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      if (reference.id !== undefined) return ctx.loaders.domains.byId.load(reference.id);
      const [domain = null] = await ctx.loaders.domains.byName.load(reference.name ?? '');
      return domain;
    },
  },
};
