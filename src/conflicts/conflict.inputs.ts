import { Field, ID, InputType } from 'type-graphql';
import { ConflictKind, ConflictStatus } from './conflict.enums';

@InputType({ description: 'All given conditions must hold.' })
export class ConflictFilter {
  @Field(() => ConflictKind, { nullable: true })
  kind?: ConflictKind | null;

  @Field(() => ConflictStatus, { nullable: true })
  status?: ConflictStatus | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Case-insensitive: conflicts whose email is this one, or whose account or holder (conflictingAccount) has it.',
  })
  email?: string | null;
}
