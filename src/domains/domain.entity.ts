import { Directive, Field, ObjectType } from 'type-graphql';
import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { TimestampColumn, oneOf, VersionedTenantRow } from '../db';
import { DomainStatus, DomainVerificationMethod } from './domain.enums';

/** An email domain the organization asserts; verifying it proves ownership, claiming it manages its accounts. */
@Directive('@key(fields: "id")')
@Directive('@key(fields: "name")')
@ObjectType({ description: 'An email domain the organization asserts it owns.', simpleResolvers: true })
@Entity('domain')
@Unique('domain_organization_id_name_key', ['organizationId', 'name'])
// At most one organization can hold a domain VERIFIED at a time.
@Index('domain_verified_name_key', ['name'], { unique: true, where: `"status" = 'VERIFIED'` })
// Rule R8 looks up (and share-locks) every organization's row of a name, whatever its status.
@Index('domain_name_idx', ['name'])
@Check('domain_status_check', oneOf('status', DomainStatus))
@Check('domain_verification_method_check', oneOf('verification_method', DomainVerificationMethod))
@Check('domain_name_check', `"name" = lower("name") AND "name" LIKE '%_._%'`)
export class Domain extends VersionedTenantRow {
  @Field({ description: 'Lower case, IDN as punycode, no trailing dot.' })
  @Column('text')
  name: string;

  @Field(() => DomainStatus)
  @Column('text', { default: DomainStatus.UNVERIFIED })
  status: DomainStatus;

  @Field(() => DomainVerificationMethod)
  @Column('text', { default: DomainVerificationMethod.DNS_TXT })
  verificationMethod: DomainVerificationMethod;

  @Column('text')
  verificationToken: string;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  verifiedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  lastCheckedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last verification check failed.' })
  @Column('text', { nullable: true })
  lastCheckError: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the organization claimed the domain; accounts on it can then be managed.',
  })
  @TimestampColumn({ nullable: true })
  claimedAt: Date | null;

  @Field()
  get claimed(): boolean {
    return this.claimedAt !== null;
  }
}
