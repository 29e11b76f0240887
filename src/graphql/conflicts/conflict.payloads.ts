import { Field, Int, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload } from '../../common';
import { Conflict } from '../../conflicts';

@ObjectType({ implements: MutationPayload })
export class ConflictPayload extends MutationPayload {
  static readonly blank: BlankPayload<ConflictPayload> = { conflict: null };

  @Field(() => Conflict, { nullable: true })
  conflict: Conflict | null;
}

export const DETECTION_LIST_LIMIT = 500;

@ObjectType({ implements: MutationPayload })
export class DetectConflictsPayload extends MutationPayload {
  static readonly blank: BlankPayload<DetectConflictsPayload> = {
    openedCount: 0,
    resolvedCount: 0,
    opened: [],
    resolved: [],
  };

  @Field(() => Int)
  openedCount: number;

  @Field(() => Int)
  resolvedCount: number;

  @Field(() => [Conflict], { description: `The conflicts the rescan opened (the first ${DETECTION_LIST_LIMIT}).` })
  opened: Conflict[];

  @Field(() => [Conflict], {
    description: `The open conflicts whose cause is gone, now RESOLVED (the first ${DETECTION_LIST_LIMIT}).`,
  })
  resolved: Conflict[];
}

@ObjectType({ implements: MutationPayload })
export class DismissConflictsPayload extends MutationPayload {
  static readonly blank: BlankPayload<DismissConflictsPayload> = { conflicts: [] };

  @Field(() => [Conflict], { description: 'The conflicts, in the order asked, now DISMISSED (empty when refused).' })
  conflicts: Conflict[];
}
