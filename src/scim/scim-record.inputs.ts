import { Field, ID, InputType } from 'type-graphql';
import { SyncStatus } from './scim-record.enums';

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
}
