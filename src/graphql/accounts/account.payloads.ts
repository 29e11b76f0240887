import { Field, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload } from '../../common';
import { Account } from '../../accounts';

@ObjectType({ implements: MutationPayload })
export class AccountPayload extends MutationPayload {
  static readonly blank: BlankPayload<AccountPayload> = { account: null, previousEmail: null };

  @Field(() => Account, {
    nullable: true,
    description: 'The account as it is after the mutation (or would be, in a dry run).',
  })
  account: Account | null;

  @Field(() => String, { nullable: true, description: 'renameAccountEmail: the email the account had before.' })
  previousEmail?: string | null;
}

@ObjectType({ implements: MutationPayload })
export class ClaimAccountsPayload extends MutationPayload {
  static readonly blank: BlankPayload<ClaimAccountsPayload> = { accounts: [] };

  @Field(() => [Account], { description: 'The accounts, in the order asked, now managed.' })
  accounts: Account[];
}

@ObjectType({ implements: MutationPayload })
export class SuspendAccountsPayload extends MutationPayload {
  static readonly blank: BlankPayload<SuspendAccountsPayload> = { accounts: [] };

  @Field(() => [Account], { description: 'The accounts, in the order asked, now SUSPENDED (empty when refused).' })
  accounts: Account[];
}
