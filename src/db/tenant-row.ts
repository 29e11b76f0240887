import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn, nowDefault } from './columns';

/**
 * A row that belongs to one organization, deleted with it. Constraint names come from the
 * naming strategy (`<table>_pkey`, `<table>_organization_id_fkey`), as in the migrations.
 */
@ObjectType({ simpleResolvers: true })
export abstract class TenantRow {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  organizationId: string;

  /** The foreign key, named by entity name: db/ imports no feature (nothing reads the relation). */
  @ManyToOne('Organization', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id' })
  organization?: unknown;
}

/** A tenant row that mutations change: every change bumps `version` (optimistic concurrency). */
@ObjectType({ simpleResolvers: true })
export abstract class VersionedTenantRow extends TenantRow {
  @Field(() => Int, { description: 'Bumped by every change; pass it back as expectedVersion.' })
  @Column('integer', { default: 1 })
  version: number;

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;

  @Field()
  @TimestampColumn(nowDefault)
  updatedAt: Date;
}
