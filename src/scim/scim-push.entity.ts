import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { GraphQLJSON } from 'graphql-scalars';
import { TimestampColumn, nowDefault, oneOf } from '../db';
import { Organization } from '../organizations';
import { Directory } from '../directories';
import { ScimRecord } from './scim-record.entity';
import { PushOutcome, ScimOperation } from './scim-record.enums';

/** One push from the IdP (or one resync), kept even when the record is later deleted. */
@ObjectType({
  description: 'One push from the identity provider for a record, and what came of it.',
  simpleResolvers: true,
})
@Entity('scim_push')
@Index('scim_push_scim_record_id_id_idx', ['scimRecordId', 'id'])
@Index('scim_push_directory_id_id_idx', ['directoryId', 'id'])
@Index('scim_push_organization_id_id_idx', ['organizationId', 'id'])
@Check('scim_push_operation_check', oneOf('operation', ScimOperation))
@Check('scim_push_outcome_check', oneOf('outcome', PushOutcome))
export class ScimPush {
  @Field(() => ID)
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'scim_push_pkey',
  })
  id: string;

  @Column('uuid')
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'scim_push_organization_id_fkey' })
  organization?: Relation<Organization>;

  @Column('uuid')
  directoryId: string;

  @ManyToOne(() => Directory, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'directory_id', foreignKeyConstraintName: 'scim_push_directory_id_fkey' })
  directory?: Relation<Directory>;

  /** Null once the record is deleted; the push stays as evidence. */
  @Column('uuid', { nullable: true })
  scimRecordId: string | null;

  @ManyToOne(() => ScimRecord, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'scim_record_id', foreignKeyConstraintName: 'scim_push_scim_record_id_fkey' })
  scimRecord?: Relation<ScimRecord> | null;

  @Field(() => ScimOperation)
  @Column('text')
  operation: ScimOperation;

  @Field(() => PushOutcome)
  @Column('text')
  outcome: PushOutcome;

  @Field(() => Int, { nullable: true, description: 'HTTP status the IdP was answered with.' })
  @Column('integer', { nullable: true })
  httpStatus: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  detail: string | null;

  @Field(() => [String], {
    description:
      'Rule findings the push carried even when it applied: a directory whose SSO and SCIM email attributes disagree (rule R2), an email on a domain the organization has not verified.',
  })
  @Column('text', { array: true, default: () => `'{}'` })
  findings: string[];

  @Field(() => GraphQLJSON, { nullable: true, description: 'The request body as received.' })
  @Column('jsonb', { nullable: true })
  payload: unknown;

  @Field()
  @Column('text')
  actor: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  requestId: string | null;

  @Field()
  @TimestampColumn(nowDefault)
  receivedAt: Date;
}
