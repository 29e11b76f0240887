import { Field, Int, ObjectType } from 'type-graphql';
import { UserError, MutationPayload, type BlankPayload } from '../../common';
import { Account } from '../../accounts';
import { Conflict } from '../../conflicts';
import { ScimRecord } from '../../scim';

@ObjectType({ implements: MutationPayload })
export class ScimRecordPayload extends MutationPayload {
  static readonly blank: BlankPayload<ScimRecordPayload> = {
    scimRecord: null,
    account: null,
    blockingConflict: null,
    resolvedConflicts: [],
    findings: [],
  };

  @Field(() => ScimRecord, {
    nullable: true,
    description: 'The record after the change; for deleteScimRecord, as it was.',
  })
  scimRecord: ScimRecord | null;

  @Field(() => Account, { nullable: true, description: 'The linked account after a resync.' })
  account?: Account | null;

  @Field(() => Conflict, {
    nullable: true,
    description:
      'The OPEN conflict that still blocks the record, when the sync did not complete; null when its cause is dismissed (the dismissal holds).',
  })
  blockingConflict?: Conflict | null;

  @Field(() => [Conflict], { description: 'Conflicts this change resolved (rule R7).' })
  resolvedConflicts: Conflict[];

  @Field(() => [String], {
    description: 'Rule findings the push carries (e.g. a mismatched mapping, rule R2), even when it applied.',
  })
  findings: string[];
}

@ObjectType({ description: "One record's resync in resyncScimRecords: what resyncScimRecord answers for it." })
export class ScimRecordResync {
  @Field(() => ScimRecord, { description: 'The record after its resync.' })
  scimRecord: ScimRecord;

  @Field(() => Account, { nullable: true, description: 'The linked account after the resync.' })
  account: Account | null;

  @Field(() => Conflict, {
    nullable: true,
    description:
      'The OPEN conflict that still blocks the record, when the sync did not complete; null when its cause is dismissed (the dismissal holds).',
  })
  blockingConflict: Conflict | null;

  @Field(() => [Conflict], { description: 'Conflicts this resync resolved (rule R7).' })
  resolvedConflicts: Conflict[];

  @Field(() => [String], { description: 'Rule findings the resync carries (e.g. rule R2), even when it applied.' })
  findings: string[];

  @Field(() => [UserError], {
    description:
      "Why this record's resync failed (EMAIL_TAKEN, field email): recorded on the record (FAILED, attempts, nextRetryAt), as resyncScimRecord records it.",
  })
  userErrors: UserError[];
}

@ObjectType({ implements: MutationPayload })
export class ResyncScimRecordsPayload extends MutationPayload {
  static readonly blank: BlankPayload<ResyncScimRecordsPayload> = {
    results: [],
    syncedCount: 0,
    pendingCount: 0,
    failedCount: 0,
  };

  @Field(() => [ScimRecordResync], { description: 'One per id, in the order asked (empty when refused).' })
  results: ScimRecordResync[];

  @Field(() => Int, { description: 'Records now SYNCED.' })
  syncedCount: number;

  @Field(() => Int, { description: 'Records still PENDING (waiting for a claim or a link).' })
  pendingCount: number;

  @Field(() => Int, { description: 'Records whose resync failed (their results carry the userErrors).' })
  failedCount: number;
}
