import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope, Scope } from '../../auth';
import { PageArgs, MutationOptions, assertNever, notFoundError } from '../../common';
import type { Context } from '../../context';
import { Account } from '../../accounts';
import { Directory } from '../../directories';
import { Domain } from '../../domains';
import { ScimRecord } from '../../scim';
import {
  Conflict,
  ConflictFilter,
  MAX_BULK_DISMISS,
  conflictMutations,
  type ConflictOutcome,
  ConflictStatus,
  RemediationStep,
  remediationFor,
} from '../../conflicts';
import { ConflictConnection } from './conflict.types';
import {
  ConflictPayload,
  DETECTION_LIST_LIMIT,
  DetectConflictsPayload,
  DismissConflictsPayload,
} from './conflict.payloads';

@Resolver(() => Conflict)
export class ConflictResolver {
  @Query(() => ConflictConnection, { description: 'Conflicts of the organization, newest first.' })
  @RequireScope(Scope.READ)
  async conflicts(
    @Arg('filter', () => ConflictFilter, { nullable: true }) filter: ConflictFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConflictConnection> {
    // Planned from the selection: the page and the relations it asks for in one statement.
    return new ConflictConnection(await ctx.plans.conflicts(ctx, info, filter ?? {}, page));
  }

  @Query(() => Conflict, { nullable: true })
  @RequireScope(Scope.READ)
  conflict(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Conflict | null> {
    return ctx.loaders.conflicts.byId.load(id);
  }

  @FieldResolver(() => Account, {
    nullable: true,
    description: "The account the IdP is provisioning (the record's account).",
  })
  account(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Account | null> | Account | null {
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.account);
    if (read !== undefined) return read;
    return conflict.accountId ? ctx.loaders.accounts.byId.load(conflict.accountId) : null;
  }

  @FieldResolver(() => Account, {
    nullable: true,
    description: 'The other account: the one that already holds the email.',
  })
  conflictingAccount(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Account | null> | Account | null {
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.conflictingAccount);
    if (read !== undefined) return read;
    return conflict.conflictingAccountId ? ctx.loaders.accounts.byId.load(conflict.conflictingAccountId) : null;
  }

  @FieldResolver(() => ScimRecord, { nullable: true })
  scimRecord(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<ScimRecord | null> | ScimRecord | null {
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.scimRecord);
    if (read !== undefined) return read;
    return conflict.scimRecordId ? ctx.loaders.scim.recordById.load(conflict.scimRecordId) : null;
  }

  @FieldResolver(() => Directory, { nullable: true })
  directory(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Directory | null> | Directory | null {
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.directory);
    if (read !== undefined) return read;
    return conflict.directoryId ? ctx.loaders.directories.byId.load(conflict.directoryId) : null;
  }

  @FieldResolver(() => Domain, { nullable: true })
  domain(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<Domain | null> | Domain | null {
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.domain);
    if (read !== undefined) return read;
    return conflict.domainId ? ctx.loaders.domains.byId.load(conflict.domainId) : null;
  }

  @FieldResolver(() => [RemediationStep], {
    description:
      'For an OPEN conflict, the steps that fix it in order, each naming the mutation and its arguments; empty once closed.',
  })
  remediation(@Root() conflict: Conflict, @Ctx() ctx: Context): Promise<RemediationStep[]> | RemediationStep[] {
    if (conflict.status !== ConflictStatus.OPEN) return [];
    const read = ctx.plans.planned(conflict, ctx.plans.conflict.remediation);
    if (read !== undefined) return remediationFor({ ...read, conflict });
    // One batched query gathers, for every conflict of the page, what its steps depend on.
    return ctx.loaders.conflicts.remediationFacts
      .load(conflict.id)
      .then((facts) => (facts ? remediationFor({ ...facts, conflict }) : []));
  }
}

export const conflictReferenceResolvers = {
  Conflict: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.conflicts.byId.load(reference.id);
    },
  },
};

function conflictPayload(outcome: ConflictOutcome) {
  const empty = { conflict: null, openedCount: 0, resolvedCount: 0, opened: [], resolved: [] };
  switch (outcome.kind) {
    case 'dismissed':
      return { ...empty, conflict: outcome.conflict, userErrors: [] };
    case 'detected': {
      const { opened, resolved } = outcome.result;
      return {
        ...empty,
        openedCount: opened.length,
        resolvedCount: resolved.length,
        opened: opened.slice(0, DETECTION_LIST_LIMIT),
        resolved: resolved.slice(0, DETECTION_LIST_LIMIT),
        userErrors: [],
      };
    }
    case 'refused':
      return { ...empty, conflict: outcome.conflict ?? null, userErrors: [outcome.error] };
    default:
      return assertNever(outcome);
  }
}

@Resolver()
export class ConflictMutationResolver {
  @Mutation(() => ConflictPayload, { description: 'Closes an OPEN conflict that needs no fix, with the reason why.' })
  @RequireScope(Scope.WRITE)
  dismissConflict(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, reason, expectedVersion };
    return ctx.mutate(ConflictPayload, { action: 'dismissConflict', args, ...options }, async (m) =>
      conflictPayload(await conflictMutations.dismiss(m, args)),
    );
  }

  @Mutation(() => DismissConflictsPayload, {
    description: `dismissConflict for up to ${MAX_BULK_DISMISS} OPEN conflicts at once, all or none: every refusal listed, one per conflict at fault (field ids.N): NOT_FOUND; CONFLICT_NOT_OPEN; INVALID_INPUT (listed twice; no ids or more than ${MAX_BULK_DISMISS}, field ids; a reason not 1 to 500 characters, field reason). Each conflict gets its own audit event (the payload's change is the first); dryRun and idempotencyKey as for every mutation.`,
  })
  @RequireScope(Scope.WRITE)
  dismissConflicts(
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('reason') reason: string,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { ids, reason };
    return ctx.mutate(DismissConflictsPayload, { action: 'dismissConflicts', args, ...options }, async (m) => {
      const outcome = await conflictMutations.dismissMany(m, args);
      return outcome.kind === 'dismissed'
        ? { conflicts: outcome.conflicts, userErrors: [] }
        : { conflicts: [], userErrors: outcome.errors };
    });
  }

  @Mutation(() => DetectConflictsPayload, {
    description:
      'Rescans the organization in a few set-based statements: opens every conflict its state implies (never a second OPEN one for the same cause) and resolves open ones whose cause is gone.',
  })
  @RequireScope(Scope.WRITE)
  detectConflicts(
    @Arg('organizationId', () => ID, {
      nullable: true,
      description: "Defaults to the caller's; another organization is NOT_FOUND.",
    })
    organizationId: string | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    return ctx.mutate(
      DetectConflictsPayload,
      { action: 'detectConflicts', args: { organizationId: organizationId ?? null }, ...options },
      async (m) => {
        if (organizationId != null && organizationId.toLowerCase() !== m.organizationId) {
          return conflictPayload({ kind: 'refused', error: notFoundError('organization', 'organizationId') });
        }
        return conflictPayload(await conflictMutations.detect(m));
      },
    );
  }
}
