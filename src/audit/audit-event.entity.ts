import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { GraphQLJSON } from 'graphql-scalars';
import { TimestampColumn, nowDefault } from '../db';
import { Organization } from '../organizations';

/** One change, written in the same transaction as the change itself. Never updated, never deleted. */
@ObjectType({
  description: 'One change: who did what to which object, with its state before and after.',
  simpleResolvers: true,
})
@Entity('audit_event')
@Index('audit_event_organization_id_id_idx', ['organizationId', 'id'])
@Index('audit_event_organization_id_target_id_id_idx', ['organizationId', 'targetId', 'id'])
@Index('audit_event_organization_id_action_id_idx', ['organizationId', 'action', 'id'])
@Index('audit_event_organization_id_actor_id_idx', ['organizationId', 'actor', 'id'])
@Index('audit_event_organization_id_request_id_idx', ['organizationId', 'requestId'])
export class AuditEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'audit_event_pkey',
  })
  id: string;

  @Column('uuid')
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'audit_event_organization_id_fkey' })
  organization?: Relation<Organization>;

  @Field({ description: 'The JWT subject, or scim:<directory id> for IdP pushes.' })
  @Column('text')
  actor: string;

  @Field({ description: 'The mutation or SCIM operation, e.g. renameAccountEmail.' })
  @Column('text')
  action: string;

  @Field({ description: 'Account, Domain, Directory, ScimRecord or Conflict.' })
  @Column('text')
  targetType: string;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { nullable: true })
  targetId: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column('jsonb', { nullable: true })
  before: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column('jsonb', { nullable: true })
  after: unknown;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  requestId: string | null;

  @Field()
  @TimestampColumn(nowDefault)
  occurredAt: Date;
}
