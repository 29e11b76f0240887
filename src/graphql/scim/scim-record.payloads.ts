import { Field, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload } from '../../common/mutation';
import { Account } from '../../accounts/account.entity';
import { Conflict } from '../../conflicts/conflict.entity';
import { ScimRecord } from '../../scim/scim-record.entity';

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
    description: 'What still blocks the record, when the sync did not complete.',
  })
  blockingConflict?: Conflict | null;

  @Field(() => [Conflict], { description: 'Conflicts this change resolved (rule R7).' })
  resolvedConflicts: Conflict[];

  @Field(() => [String], {
    description: 'Rule findings the push carries (e.g. a mismatched mapping, rule R2), even when it applied.',
  })
  findings: string[];
}
