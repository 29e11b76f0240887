import { Arg, Args, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import { MutationOptions, assertNever } from '../../common';
import type { Context } from '../../context';
import { IdentityProvider } from '../../directories';
import { DirectoryPayload } from './directory.payloads';
import { directoryMutations, type DirectoryOutcome } from '../../workflows';

function directoryPayload(outcome: DirectoryOutcome) {
  switch (outcome.kind) {
    case 'changed':
      return {
        directory: outcome.directory,
        scimToken: outcome.token ?? null,
        mappingConflict: outcome.opened ?? null,
        resolvedConflicts: outcome.resolved ?? [],
        userErrors: [],
      };
    case 'refused':
      return {
        directory: outcome.directory ?? null,
        scimToken: null,
        mappingConflict: null,
        resolvedConflicts: [],
        userErrors: outcome.errors,
      };
    default:
      return assertNever(outcome);
  }
}

const DRY_RUN = {
  nullable: true,
  defaultValue: false,
  description: 'Check and compute the change, then roll it back.',
};

@Resolver()
export class DirectoryMutationResolver {
  @Mutation(() => DirectoryPayload, {
    description:
      'Connects an identity provider. The payload carries its SCIM bearer token once. (No idempotencyKey: a stored replay would have to keep the token.)',
  })
  @RequireScope(Scope.ADMIN)
  createDirectory(
    @Arg('name') name: string,
    @Arg('provider', () => IdentityProvider, { defaultValue: IdentityProvider.OTHER }) provider: IdentityProvider,
    @Arg('ssoEmailAttribute') ssoEmailAttribute: string,
    @Arg('scimEmailAttribute') scimEmailAttribute: string,
    @Arg('dryRun', () => Boolean, DRY_RUN) dryRun: boolean,
    @Ctx() ctx: Context,
  ) {
    const args = { name, provider, ssoEmailAttribute, scimEmailAttribute };
    return ctx.mutate(DirectoryPayload, { action: 'createDirectory', args, dryRun }, async (m) =>
      directoryPayload(await directoryMutations.create(m, args)),
    );
  }

  @Mutation(() => DirectoryPayload, {
    description: 'Issues a new SCIM bearer token; the old one stops working at once.',
  })
  @RequireScope(Scope.ADMIN)
  rotateDirectoryToken(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Arg('dryRun', () => Boolean, DRY_RUN) dryRun: boolean,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(DirectoryPayload, { action: 'rotateDirectoryToken', args, dryRun }, async (m) =>
      directoryPayload(await directoryMutations.rotateToken(m, args)),
    );
  }

  @Mutation(() => DirectoryPayload, {
    description:
      'Sets the attributes SSO and SCIM map the email to. A mismatch opens MAPPING_MISMATCH; agreeing again resolves it (rule R2).',
  })
  @RequireScope(Scope.ADMIN)
  updateDirectoryMapping(
    @Arg('directoryId', () => ID) directoryId: string,
    @Arg('ssoEmailAttribute') ssoEmailAttribute: string,
    @Arg('scimEmailAttribute') scimEmailAttribute: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { directoryId, ssoEmailAttribute, scimEmailAttribute, expectedVersion };
    return ctx.mutate(DirectoryPayload, { action: 'updateDirectoryMapping', args, ...options }, async (m) =>
      directoryPayload(await directoryMutations.updateMapping(m, args)),
    );
  }
}
