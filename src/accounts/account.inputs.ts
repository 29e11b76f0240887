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
}
