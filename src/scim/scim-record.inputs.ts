import { Field, ID, InputType, Int } from 'type-graphql';
import { PushOutcome, RecordWait, ScimOperation, SyncStatus } from './scim-record.enums';

@InputType({ description: 'All given conditions must hold.' })
export class ScimRecordFilter {
  @Field(() => SyncStatus, { nullable: true })
  syncStatus?: SyncStatus | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Exact, case-insensitive (SCIM userName semantics).' })
  userName?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'true: records linked to an account; false: unlinked ones (waiting for a claim, or unlinked by an admin).',
  })
  linked?: boolean | null;

  @Field(() => RecordWait, {
    nullable: true,
    description:
      'Records waiting for this (see ScimRecord.waitingFor): CLAIM and LINK tell the two kinds of unlinked record apart.',
  })
  waitingFor?: RecordWait | null;
}

@InputType({ description: 'All given conditions must hold.' })
export class ScimPushFilter {
  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => PushOutcome, { nullable: true })
  outcome?: PushOutcome | null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status the IdP was answered with (httpStatus).' })
  status?: number | null;

  @Field(() => ScimOperation, { nullable: true })
  operation?: ScimOperation | null;

  @Field(() => Date, { nullable: true, description: 'Pushes received at or after this time.' })
  since?: Date | null;
}
