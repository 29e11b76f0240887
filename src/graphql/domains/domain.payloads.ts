import { Field, Int, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload } from '../../common';
import { Account } from '../../accounts';
import { Domain, DomainMigration } from '../../domains';

@ObjectType({ implements: MutationPayload })
export class DomainPayload extends MutationPayload {
  static readonly blank: BlankPayload<DomainPayload> = { domain: null, claimedAccounts: null };

  @Field(() => Domain, { nullable: true })
  domain: Domain | null;

  @Field(() => Int, { nullable: true, description: 'claimDomain: how many unmanaged accounts on it became managed.' })
  claimedAccounts?: number | null;
}

@ObjectType({ implements: MutationPayload })
export class DomainMigrationPayload extends MutationPayload {
  static readonly blank: BlankPayload<DomainMigrationPayload> = { migration: null, staleAccounts: [] };

  @Field(() => DomainMigration, { nullable: true })
  migration: DomainMigration | null;

  @Field(() => [Account], {
    description: 'Active accounts on the old domain that no SCIM record backs: review and suspend them (rule R5).',
  })
  staleAccounts: Account[];
}
