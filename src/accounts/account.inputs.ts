import { Field, InputType } from 'type-graphql';
import { AccountOrigin, AccountStatus } from './account.enums';

@InputType({ description: 'All given conditions must hold.' })
export class AccountFilter {
  @Field(() => AccountStatus, { nullable: true })
  status?: AccountStatus | null;

  @Field(() => AccountOrigin, { nullable: true })
  origin?: AccountOrigin | null;

  @Field(() => Boolean, { nullable: true, description: 'Claimed by the organization.' })
  managed?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Linked to a SCIM record (changes must come from the IdP).' })
  idpManaged?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Email domain, e.g. acme.com.' })
  domain?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive start of the email, e.g. "alice".' })
  emailPrefix?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "External (rule R5): true, the email is on none of the organization's VERIFIED domains; false, it is on one.",
  })
  external?: boolean | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'Inactive (rule R5): lastActivityAt before this time, e.g. 90 days ago. Combine with status: ACTIVE to find accounts to review and suspendAccounts.',
  })
  inactiveSince?: Date | null;
}
