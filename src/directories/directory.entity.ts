import { Directive, Field, ID, ObjectType, Int } from 'type-graphql';
import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { TimestampColumn, nowDefault, oneOf } from '../db/columns';
import { Organization } from '../organizations/organization.entity';
import { IdentityProvider } from './directory.enums';

/** An IdP connection: its SCIM directory and the SSO settings that must agree with it (rule R2). */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'An identity-provider connection: its SCIM directory and its SSO settings.' })
@Entity('directory')
@Unique('directory_organization_id_name_key', ['organizationId', 'name'])
@Unique('directory_token_hash_key', ['tokenHash'])
@Check('directory_provider_check', oneOf('provider', IdentityProvider))
export class Directory {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'directory_pkey' })
  id: string;

  @Column('uuid')
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'directory_organization_id_fkey' })
  organization?: Relation<Organization>;

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

  @Field(() => Int, { description: 'Bumped by every change; pass it back as expectedVersion.' })
  @Column('integer', { default: 1 })
  version: number;

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;

  @Field()
  @TimestampColumn(nowDefault)
  updatedAt: Date;

  @Field({ description: 'SSO and SCIM map the email to the same attribute (rule R2).' })
  get mappingConsistent(): boolean {
    return this.ssoEmailAttribute.trim().toLowerCase() === this.scimEmailAttribute.trim().toLowerCase();
  }
}
