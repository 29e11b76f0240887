import { Directive, Field, ID, ObjectType, Int } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { TimestampColumn, nowDefault, oneOf } from '../db/columns';
import { Organization } from '../organizations/organization.entity';
import { DomainStatus, DomainVerificationMethod } from './domain.enums';

/** An email domain the organization asserts; verifying it proves ownership, claiming it manages its accounts. */
@Directive('@key(fields: "id")')
@Directive('@key(fields: "name")')
@ObjectType({ description: 'An email domain the organization asserts it owns.' })
@Entity('domain')
@Unique('domain_organization_id_name_key', ['organizationId', 'name'])
// At most one organization can hold a domain VERIFIED at a time.
@Index('domain_verified_name_key', ['name'], { unique: true, where: `"status" = 'VERIFIED'` })
@Check('domain_status_check', oneOf('status', DomainStatus))
@Check('domain_verification_method_check', oneOf('verification_method', DomainVerificationMethod))
@Check('domain_name_check', `"name" = lower("name") AND "name" LIKE '%_._%'`)
export class Domain {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'domain_pkey' })
  id: string;

  @Column('uuid')
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'domain_organization_id_fkey' })
  organization?: Relation<Organization>;

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

  @Field(() => Date, { nullable: true, description: 'When the organization claimed the domain; accounts on it can then be managed.' })
  @TimestampColumn({ nullable: true })
  claimedAt: Date | null;

  @Field(() => Int, { description: 'Bumped by every change; pass it back as expectedVersion.' })
  @Column('integer', { default: 1 })
  version: number;

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;

  @Field()
  @TimestampColumn(nowDefault)
  updatedAt: Date;

  @Field()
  get claimed(): boolean {
    return this.claimedAt !== null;
  }
}
