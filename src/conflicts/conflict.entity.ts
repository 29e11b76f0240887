import { Directive, Field, ObjectType, Int } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { TimestampColumn, nowDefault, oneOf, TenantRow } from '../db';
import { Account } from '../accounts';
import { Directory } from '../directories';
import { Domain } from '../domains';
import { ScimRecord } from '../scim';
import { ConflictKind, ConflictStatus } from './conflict.enums';

/**
 * A detected problem that blocks or threatens sync. `causeKey` names what caused it (a record,
 * a directory, an account); at most one OPEN conflict exists per (organization, kind, cause),
 * so detection can run any number of times.
 */
@Directive('@key(fields: "id")')
@ObjectType({
  description: 'A detected problem that blocks or threatens provisioning, with the steps that fix it.',
  simpleResolvers: true,
})
@Entity('conflict')
@Index('conflict_open_cause_key', ['organizationId', 'kind', 'causeKey'], { unique: true, where: `"status" = 'OPEN'` })
@Index('conflict_organization_id_detected_at_id_idx', ['organizationId', 'detectedAt', 'id'])
@Index('conflict_organization_id_status_detected_at_id_idx', ['organizationId', 'status', 'detectedAt', 'id'])
@Index('conflict_organization_id_kind_status_detected_at_id_idx', [
  'organizationId',
  'kind',
  'status',
  'detectedAt',
  'id',
])
@Index('conflict_closed_cause_idx', ['organizationId', 'kind', 'causeKey', 'closedAt'], { where: `"status" <> 'OPEN'` })
@Index('conflict_directory_id_status_idx', ['directoryId', 'status'])
@Index('conflict_account_id_idx', ['accountId'])
@Index('conflict_conflicting_account_id_idx', ['conflictingAccountId'])
@Index('conflict_scim_record_id_idx', ['scimRecordId'])
@Index('conflict_domain_id_idx', ['domainId'])
@Check('conflict_kind_check', oneOf('kind', ConflictKind))
@Check('conflict_status_check', oneOf('status', ConflictStatus))
@Check(
  'conflict_closed_check',
  `("status" = 'OPEN' AND "closed_at" IS NULL) OR ("status" <> 'OPEN' AND "closed_at" IS NOT NULL)`,
)
export class Conflict extends TenantRow {
  @Field(() => ConflictKind)
  @Column('text')
  kind: ConflictKind;

  @Field(() => ConflictStatus)
  @Column('text', { default: ConflictStatus.OPEN })
  status: ConflictStatus;

  /** What caused it, e.g. `record:<id>` or `directory:<id>`; unique among OPEN conflicts of a kind. */
  @Column('text')
  causeKey: string;

  @Field({ description: 'What is wrong, in one sentence an admin can act on.' })
  @Column('text')
  summary: string;

  @Field(() => String, { nullable: true, description: 'The email at stake, when there is one.' })
  @Column('text', { nullable: true })
  email: string | null;

  @Column('uuid', { nullable: true })
  accountId: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'conflict_account_id_fkey' })
  account?: Relation<Account> | null;

  @Column('uuid', { nullable: true })
  conflictingAccountId: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'conflicting_account_id', foreignKeyConstraintName: 'conflict_conflicting_account_id_fkey' })
  conflictingAccount?: Relation<Account> | null;

  @Column('uuid', { nullable: true })
  scimRecordId: string | null;

  @ManyToOne(() => ScimRecord, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'scim_record_id', foreignKeyConstraintName: 'conflict_scim_record_id_fkey' })
  scimRecord?: Relation<ScimRecord> | null;

  @Column('uuid', { nullable: true })
  directoryId: string | null;

  @ManyToOne(() => Directory, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'directory_id', foreignKeyConstraintName: 'conflict_directory_id_fkey' })
  directory?: Relation<Directory> | null;

  @Column('uuid', { nullable: true })
  domainId: string | null;

  @ManyToOne(() => Domain, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'domain_id', foreignKeyConstraintName: 'conflict_domain_id_fkey' })
  domain?: Relation<Domain> | null;

  @Field()
  @TimestampColumn(nowDefault)
  detectedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was resolved or dismissed.' })
  @TimestampColumn({ nullable: true })
  closedAt: Date | null;

  @Field(() => [String], {
    description: 'Remediation actions applied to it so far, in order (e.g. renameAccountEmail, resyncScimRecord).',
  })
  @Column('text', { array: true, default: () => `'{}'` })
  actionsTaken: string[];

  @Field(() => String, { nullable: true, description: 'The action that closed it.' })
  @Column('text', { nullable: true })
  resolution: string | null;

  @Field(() => String, { nullable: true, description: 'Who resolved or dismissed it.' })
  @Column('text', { nullable: true })
  closedBy: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  dismissReason: string | null;

  /**
   * A DISMISSED conflict's cause was found gone at this time (a detection no longer found it, or
   * a change resolved it): the dismissal has ended, and the cause coming back opens anew.
   */
  @TimestampColumn({ nullable: true })
  causeClearedAt: Date | null;

  @Field(() => Int, { description: 'Bumped by every change; pass it back as expectedVersion.' })
  @Column('integer', { default: 1 })
  version: number;

  @Field()
  @TimestampColumn(nowDefault)
  updatedAt: Date;
}
