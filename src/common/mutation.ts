import { ArgsType, Field, InterfaceType, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { UserError } from './user-error';

@ArgsType()
export class MutationOptions {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Run every check and compute the change, then roll it back: nothing is written.',
  })
  dryRun?: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Repeat-safe key (1-200 chars): a repeat with the same arguments returns the first result without applying twice.',
  })
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'What a mutation changed (or, in a dry run, would change), as its audit event records it.' })
export class Change {
  @Field()
  action: string;

  @Field()
  targetType: string;

  @Field(() => String, { nullable: true })
  targetId: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  before: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  after: unknown;
}

/** Fields every mutation payload has. */
@InterfaceType({ description: 'Every mutation answers with its refusals as data, and what it changed.' })
export abstract class MutationPayload {
  @Field(() => [UserError], { description: 'Empty when the mutation applied (or would apply, in a dry run).' })
  userErrors: UserError[];

  @Field({ description: 'True when nothing was written because dryRun was asked.' })
  dryRun: boolean;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotencyKey.' })
  replayed: boolean;

  @Field(() => Change, {
    nullable: true,
    description: 'The change applied (or that would be), null when nothing changed.',
  })
  change: Change | null;
}

/** A payload's own fields, as its class declares them: what a mutation's service fills in. */
export type PayloadFields<T extends MutationPayload> = Omit<T, keyof MutationPayload>;

/** Every own field of a payload present, null or empty: the answer of a mutation that never ran. */
export type BlankPayload<T extends MutationPayload> = Required<PayloadFields<T>>;

/**
 * A payload class with its blank. `ctx.mutate` takes the class, so a payload without a blank, or a
 * blank missing a field, does not compile, and the runner builds every refusal from it: a
 * non-null field is never left null.
 */
export interface PayloadType<T extends MutationPayload> {
  new (): T;
  readonly blank: BlankPayload<T>;
}
