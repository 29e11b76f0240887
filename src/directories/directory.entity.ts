import { Directive, Field, ObjectType } from 'type-graphql';
import { Check, Column, Entity, Unique } from 'typeorm';
import { TimestampColumn, oneOf, VersionedTenantRow } from '../db';
import { IdentityProvider } from './directory.enums';

/** An IdP connection: its SCIM directory and the SSO settings that must agree with it (rule R2). */
@Directive('@key(fields: "id")')
@ObjectType({
  description: 'An identity-provider connection: its SCIM directory and its SSO settings.',
  simpleResolvers: true,
})
@Entity('directory')
@Unique('directory_organization_id_name_key', ['organizationId', 'name'])
@Unique('directory_token_hash_key', ['tokenHash'])
@Check('directory_provider_check', oneOf('provider', IdentityProvider))
export class Directory extends VersionedTenantRow {
  @Field()
  @Column('text')
  name: string;

  @Field(() => IdentityProvider)
  @Column('text', { default: IdentityProvider.OTHER })
  provider: IdentityProvider;

  @Field({ description: 'The IdP attribute SSO sends as the email, e.g. user.mail.' })
  @Column('text')
  ssoEmailAttribute: string;

  @Field({ description: 'The IdP attribute SCIM sends as the email, e.g. user.userprincipalname.' })
  @Column('text')
  scimEmailAttribute: string;

  /** SHA-256 of the SCIM bearer token; the token itself is shown once and never stored. */
  @Column('text', { nullable: true })
  tokenHash: string | null;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  tokenIssuedAt: Date | null;
}
