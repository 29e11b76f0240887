import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { TimestampColumn, nowDefault } from '../db';
import { Organization } from '../organizations';
import { Account } from './account.entity';

/** One entry of an account's email history: a rename never loses the old address (rule R6). */
@ObjectType({ description: 'A past email of an account and what replaced it.', simpleResolvers: true })
@Entity('account_email_change')
@Index('account_email_change_account_id_changed_at_idx', ['accountId', 'changedAt'])
@Index('account_email_change_previous_email_lower_idx', { synchronize: false })
export class AccountEmailChange {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'account_email_change_pkey',
  })
  id: string;

  @Column('uuid')
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'account_email_change_organization_id_fkey' })
  organization?: Relation<Organization>;

  @Column('uuid')
  accountId: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'account_email_change_account_id_fkey' })
  account?: Relation<Account>;

  @Field()
  @Column('text')
  previousEmail: string;

  @Field()
  @Column('text')
  newEmail: string;

  @Field({ description: 'The mutation or SCIM operation that changed it.' })
  @Column('text')
  action: string;

  @Field({ description: 'Who changed it (a subject, or scim:<directory id>).' })
  @Column('text')
  actor: string;

  @Field()
  @TimestampColumn(nowDefault)
  changedAt: Date;
}
