import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequireScope, assertScope, Scope } from '../../auth';
import { PageArgs, present, MutationOptions, assertNever } from '../../common';
import type { Context } from '../../context';
import { Account } from '../../accounts';
import { Directory } from '../../directories';
import { Conflict, ConflictStatus } from '../../conflicts';
import { ScimRecord, ScimPush, ScimPushFilter, ScimRecordFilter, RecordWait, waitOf } from '../../scim';
import { ScimPushConnection, ScimRecordConnection } from './scim-record.types';
import { ResyncScimRecordsPayload, ScimRecordPayload } from './scim-record.payloads';
import {
  scimRecordMutations,
  type RecordOutcome,
  MAX_BULK_RESYNC,
  resyncRecords,
  resyncRecord,
  type SyncOutcome,
} from '../../workflows';

@Resolver(() => ScimRecord)
export class ScimRecordResolver {
  @Query(() => ScimRecordConnection, { description: "SCIM records pushed by the organization's IdPs, newest first." })
  @RequireScope(Scope.READ)
  async scimRecords(
    @Arg('filter', () => ScimRecordFilter, { nullable: true }) filter: ScimRecordFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ScimRecordConnection> {
    return new ScimRecordConnection(await ctx.services.scimRecords.list(ctx.organizationId, filter ?? {}, page));
  }

  @Query(() => ScimRecord, { nullable: true, description: 'By id: the same id the IdP sees as the SCIM User id.' })
  @RequireScope(Scope.READ)
  scimRecord(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ScimRecord | null> {
    return ctx.loaders.scim.recordById.load(id);
  }

  @FieldResolver(() => Directory)
  async directory(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<Directory> {
    return present(await ctx.loaders.directories.byId.load(record.directoryId), "the record's directory");
  }

  @FieldResolver(() => Account, {
    nullable: true,
    description: 'The account this record provisions; null while unlinked.',
  })
  account(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<Account | null> | null {
    return record.accountId ? ctx.loaders.accounts.byId.load(record.accountId) : null;
  }

  @FieldResolver(() => [Conflict], { description: 'Conflicts raised by this record, newest first.' })
  conflicts(
    @Root() record: ScimRecord,
    @Arg('status', () => ConflictStatus, { nullable: true }) status: ConflictStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Conflict[]> {
    return ctx.loaders.conflicts.byRelated.scimRecord(status ?? undefined).load(record.id);
  }

  @FieldResolver(() => [ScimPush], { description: 'Every push for this record, newest first.' })
  pushHistory(@Root() record: ScimRecord, @Ctx() ctx: Context): Promise<ScimPush[]> {
    return ctx.loaders.scim.pushesByRecord.load(record.id);
  }

  @FieldResolver(() => RecordWait, {
    nullable: true,
    description:
      'What the record waits for; null when SYNCED. Tells a record waiting for a claim (CLAIM) from one an admin unlinked (LINK, see unlinkedAt).',
  })
  waitingFor(@Root() record: ScimRecord): RecordWait | null {
    return waitOf(record);
  }
}

@Resolver(() => ScimPush)
export class ScimPushResolver {
  @Query(() => ScimPushConnection, {
    description:
      "The organization-wide provisioning log: every push from the organization's IdPs (and every resync), newest first, with its directory, record, outcome, HTTP status, detail, rule findings and time. Each record's own history is ScimRecord.pushHistory.",
  })
  @RequireScope(Scope.READ)
  async scimPushes(
    @Arg('filter', () => ScimPushFilter, { nullable: true }) filter: ScimPushFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ScimPushConnection> {
    return new ScimPushConnection(await ctx.services.scimRecords.pushes(ctx.organizationId, filter ?? {}, page));
  }

  @FieldResolver(() => Directory, { description: 'The directory (IdP connection) that pushed.' })
  async directory(@Root() push: ScimPush, @Ctx() ctx: Context): Promise<Directory> {
    return present(await ctx.loaders.directories.byId.load(push.directoryId), "the push's directory");
  }

  @FieldResolver(() => ScimRecord, { nullable: true, description: 'The record the push was for; null once deleted.' })
  scimRecord(@Root() push: ScimPush, @Ctx() ctx: Context): Promise<ScimRecord | null> | null {
    return push.scimRecordId ? ctx.loaders.scim.recordById.load(push.scimRecordId) : null;
  }
}

export const scimRecordReferenceResolvers = {
  ScimRecord: {
    __resolveReference: (reference: { id: string }, ctx: Context) => {
      assertScope(ctx, Scope.READ);
      return ctx.loaders.scim.recordById.load(reference.id);
    },
  },
};

const nothingElse = { account: null, blockingConflict: null, resolvedConflicts: [], findings: [] };

function syncPayload(record: ScimRecord, sync: SyncOutcome) {
  switch (sync.kind) {
    case 'synced':
      return {
        ...nothingElse,
        scimRecord: record,
        account: sync.account,
        resolvedConflicts: sync.resolved,
        findings: sync.findings,
        userErrors: [],
      };
    case 'pending':
      return {
        ...nothingElse,
        scimRecord: record,
        blockingConflict: sync.conflict,
        findings: sync.findings,
        userErrors: [],
      };
    case 'failed':
      // The attempt is recorded (FAILED, attempts, nextRetryAt) and the conflict stays open.
      return {
        ...nothingElse,
        scimRecord: record,
        blockingConflict: sync.conflict,
        findings: sync.findings,
        userErrors: [sync.error],
        persist: true,
      };
    default:
      return assertNever(sync);
  }
}

function recordPayload(outcome: RecordOutcome) {
  switch (outcome.kind) {
    case 'sync':
      return syncPayload(outcome.record, outcome.sync);
    case 'changed':
      return { ...nothingElse, scimRecord: outcome.record, resolvedConflicts: outcome.resolved, userErrors: [] };
    case 'refused':
      return { ...nothingElse, scimRecord: outcome.record ?? null, userErrors: [outcome.error] };
    default:
      return assertNever(outcome);
  }
}

@Resolver()
export class ScimRecordMutationResolver {
  @Mutation(() => ScimRecordPayload, {
    description:
      "Applies the record's desired state (the IdP's last push) to its account now. Success: SYNCED, and the conflicts it cleared are RESOLVED (rule R7). Failure: EMAIL_TAKEN with the IdP's detail (`Resource [USER]: with email[...] already exists.`), whether another account of the organization owns the email or it is not available to the organization (R8: in use outside it, or on a domain another organization verified; neither the answer nor the EMAIL_TAKEN conflict says which); the record stays FAILED with attempts and nextRetryAt, the conflict stays OPEN. Also NOT_FOUND, VERSION_CONFLICT.",
  })
  @RequireScope(Scope.WRITE)
  resyncScimRecord(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(ScimRecordPayload, { action: 'resyncScimRecord', args, ...options }, async (m) =>
      recordPayload(await resyncRecord(m, args)),
    );
  }

  @Mutation(() => ResyncScimRecordsPayload, {
    description: `resyncScimRecord for up to ${MAX_BULK_RESYNC} records in one transaction (e.g. every record of scimRecords(filter: { syncStatus: FAILED })). Addressing is all or none: no ids or more than ${MAX_BULK_RESYNC} (INVALID_INPUT, field ids), an id that is not a record of the organization (NOT_FOUND) or one listed twice (INVALID_INPUT), every one listed with field ids.N, refuse the whole call and nothing is done. Otherwise every record is resynced with its own outcome in results, in the order asked: a record that fails is recorded FAILED with its retry and its EMAIL_TAKEN in its own userErrors (the call's userErrors stay empty), exactly as resyncScimRecord records it; each record gets its own push history entry and audit event (the payload's change is the first). dryRun computes every outcome and writes nothing; an idempotencyKey replays the first answer.`,
  })
  @RequireScope(Scope.WRITE)
  resyncScimRecords(@Arg('ids', () => [ID]) ids: string[], @Args() options: MutationOptions, @Ctx() ctx: Context) {
    const args = { ids };
    return ctx.mutate(ResyncScimRecordsPayload, { action: 'resyncScimRecords', args, ...options }, async (m) => {
      const outcome = await resyncRecords(m, args);
      switch (outcome.kind) {
        case 'refused':
          return { ...ResyncScimRecordsPayload.blank, userErrors: outcome.errors };
        case 'resynced': {
          const results = outcome.results.map(({ record, sync }) => {
            const result = syncPayload(record, sync);
            return {
              scimRecord: record,
              account: result.account,
              blockingConflict: result.blockingConflict,
              resolvedConflicts: result.resolvedConflicts,
              findings: result.findings,
              userErrors: result.userErrors,
            };
          });
          const count = (kind: SyncOutcome['kind']) => outcome.results.filter(({ sync }) => sync.kind === kind).length;
          return {
            results,
            syncedCount: count('synced'),
            pendingCount: count('pending'),
            failedCount: count('failed'),
            userErrors: [],
          };
        }
        default:
          return assertNever(outcome);
      }
    });
  }

  @Mutation(() => ScimRecordPayload, {
    description:
      "Deletes a stuck record: the account and its history stay; the IdP's next push recreates the record and links it again.",
  })
  @RequireScope(Scope.WRITE)
  deleteScimRecord(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(ScimRecordPayload, { action: 'deleteScimRecord', args, ...options }, async (m) =>
      recordPayload(await scimRecordMutations.remove(m, args)),
    );
  }

  @Mutation(() => ScimRecordPayload, {
    description: 'Detaches a record from its account; it waits (PENDING) to be linked again.',
  })
  @RequireScope(Scope.WRITE)
  unlinkScimRecord(
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, expectedVersion };
    return ctx.mutate(ScimRecordPayload, { action: 'unlinkScimRecord', args, ...options }, async (m) =>
      recordPayload(await scimRecordMutations.unlink(m, args)),
    );
  }

  @Mutation(() => ScimRecordPayload, {
    description:
      'Links (or relinks) a record to a managed account of the organization; never to an unclaimed one (no silent takeover). Resync afterwards. Refusals: ACCOUNT_NOT_CLAIMED; ACCOUNT_ALREADY_LINKED (another record of the same directory); EMAIL_UNAVAILABLE (R8, field id: the email the record wants is in use outside the organization or on a domain another organization verified; one message for both); NOT_FOUND; VERSION_CONFLICT.',
  })
  @RequireScope(Scope.WRITE)
  linkScimRecord(
    @Arg('id', () => ID) id: string,
    @Arg('accountId', () => ID) accountId: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { id, accountId, expectedVersion };
    return ctx.mutate(ScimRecordPayload, { action: 'linkScimRecord', args, ...options }, async (m) =>
      recordPayload(await scimRecordMutations.link(m, args)),
    );
  }
}
