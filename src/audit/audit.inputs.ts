import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'All given conditions must hold.' })
export class AuditEventFilter {
  @Field(() => String, { nullable: true, description: 'The JWT subject, or scim:<directory id>.' })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. renameAccountEmail.' })
  action?: string | null;

  @Field(() => ID, { nullable: true, description: 'Everything that happened to one object.' })
  targetId?: string | null;

  @Field(() => String, { nullable: true, description: 'Everything one request did.' })
  requestId?: string | null;
}
