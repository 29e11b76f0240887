import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn, nowDefault } from './columns';

/** A mutation's idempotency key: the first request's argument hash and its result, replayed on repeats. */
@Entity('idempotency_key')
@Index('idempotency_key_created_at_idx', ['createdAt'])
@Check('idempotency_key_key_check', `length("key") BETWEEN 1 AND 200`)
export class IdempotencyKey {
  @PrimaryColumn('uuid')
  organizationId: string;

  @PrimaryColumn('text')
  key: string;

  /** The foreign key, named by entity name: db/ imports no feature (nothing reads the relation). */
  @ManyToOne('Organization', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id' })
  organization?: unknown;

  @Column('text')
  operation: string;

  @Column('text')
  requestHash: string;

  @Column('jsonb', { nullable: true })
  response: unknown;

  @TimestampColumn(nowDefault)
  createdAt: Date;
}
