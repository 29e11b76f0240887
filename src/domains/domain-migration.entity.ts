import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { TimestampColumn, oneOf, VersionedTenantRow } from '../db';
import { Domain } from './domain.entity';

export enum MigrationStatus {
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(MigrationStatus, { name: 'DomainMigrationStatus' });

/** Accounts moving from one email domain to another; started only when rule R4 says both are ready. */
@ObjectType({ description: 'A move of accounts from one email domain to another.', simpleResolvers: true })
@Entity('domain_migration')
@Index('domain_migration_in_progress_key', ['fromDomainId'], { unique: true, where: `"status" = 'IN_PROGRESS'` })
@Index('domain_migration_organization_id_created_at_idx', ['organizationId', 'createdAt'])
@Index('domain_migration_to_domain_id_idx', ['toDomainId'])
@Check('domain_migration_status_check', oneOf('status', MigrationStatus))
@Check('domain_migration_distinct_domains_check', `"from_domain_id" <> "to_domain_id"`)
export class DomainMigration extends VersionedTenantRow {
  @Column('uuid')
  fromDomainId: string;

  @ManyToOne(() => Domain, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'from_domain_id' })
  fromDomain?: Relation<Domain>;

  @Column('uuid')
  toDomainId: string;

  @ManyToOne(() => Domain, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'to_domain_id' })
  toDomain?: Relation<Domain>;

  @Field(() => MigrationStatus)
  @Column('text', { default: MigrationStatus.IN_PROGRESS })
  status: MigrationStatus;

  @Field()
  @Column('text')
  startedBy: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When it ended: COMPLETED (completeDomainMigration) or CANCELLED (cancelDomainMigration).',
  })
  @TimestampColumn({ nullable: true })
  completedAt: Date | null;
}
