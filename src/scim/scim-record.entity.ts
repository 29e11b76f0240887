import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, Unique, type Relation } from 'typeorm';
import { TimestampColumn, oneOf, VersionedTenantRow } from '../db';
import { Directory } from '../directories';
import { Account } from '../accounts';
import { SyncStatus } from './scim-record.enums';

export interface ScimEmail {
  value: string;
  display?: string;
  type?: string;
  primary?: boolean;
}

/** A User's SCIM state as last accepted; `{}`: none was. */
export type AcceptedState = Partial<{
  externalId: string | null;
  userName: string;
  emails: ScimEmail[];
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
  rawPayload: Record<string, unknown>;
}>;

/**
 * The IdP's view of one user as last pushed: the desired state. Standard attributes are
 * columns (filterable, indexed); the raw payload is kept whole for what they do not cover.
 */
@Directive('@key(fields: "id")')
@ObjectType({
  description: "The identity provider's view of one user, as last pushed over SCIM.",
  simpleResolvers: true,
})
@Entity('scim_record')
@Unique('scim_record_directory_id_external_id_key', ['directoryId', 'externalId'])
@Index('scim_record_directory_user_name_key', { synchronize: false })
@Index('scim_record_email_lower_idx', { synchronize: false })
@Index('scim_record_account_id_idx', ['accountId'])
@Index('scim_record_organization_id_external_id_idx', ['organizationId', 'externalId'])
@Index('scim_record_organization_id_created_at_id_idx', ['organizationId', 'createdAt', 'id'])
@Index('scim_record_organization_id_sync_status_created_at_id_idx', ['organizationId', 'syncStatus', 'createdAt', 'id'])
@Index('scim_record_directory_id_created_at_id_idx', ['directoryId', 'createdAt', 'id'])
@Index('scim_record_next_retry_at_idx', ['nextRetryAt'], { where: `"sync_status" = 'FAILED'` })
@Check('scim_record_sync_status_check', oneOf('sync_status', SyncStatus))
@Check('scim_record_attempts_check', `"attempts" >= 0`)
export class ScimRecord extends VersionedTenantRow {
  @Column('uuid')
  directoryId: string;

  @ManyToOne(() => Directory, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'directory_id', foreignKeyConstraintName: 'scim_record_directory_id_fkey' })
  directory?: Relation<Directory>;

  @Column('uuid', { nullable: true })
  accountId: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'scim_record_account_id_fkey' })
  account?: Relation<Account> | null;

  @Field(() => String, { nullable: true, description: "The IdP's own id for the user." })
  @Column('text', { nullable: true })
  externalId: string | null;

  @Field()
  @Column('text')
  userName: string;

  @Field(() => String, {
    nullable: true,
    description: 'The primary email of the last push: the email the account should have.',
  })
  @Column('text', { nullable: true })
  email: string | null;

  @Column('jsonb', { default: () => `'[]'` })
  emails: ScimEmail[];

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  givenName: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  familyName: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  displayName: string | null;

  @Field()
  @Column('boolean', { default: true })
  active: boolean;

  /** The whole last payload, for attributes the columns do not cover. */
  @Column('jsonb', { default: () => `'{}'` })
  rawPayload: Record<string, unknown>;

  /**
   * The User as the IdP was last answered it is (a push answered 2xx), while a later push answered
   * 409 waits as the desired state in the columns: SCIM reads answer this, never the refused push.
   * `{}` when no push was ever accepted (a refused create: SCIM reads do not see the record); null
   * when the columns are the accepted state.
   */
  @Column('jsonb', { nullable: true })
  acceptedState: AcceptedState | null;

  @Field(() => SyncStatus)
  @Column('text', { default: SyncStatus.PENDING })
  syncStatus: SyncStatus;

  @Field(() => String, { nullable: true, description: 'Why the last sync failed, as the IdP was told.' })
  @Column('text', { nullable: true })
  lastError: string | null;

  @Field(() => Int, { description: 'Failed sync attempts since the last success.' })
  @Column('integer', { default: 0 })
  attempts: number;

  @Field(() => Date, { nullable: true, description: 'When a FAILED record will be retried automatically.' })
  @TimestampColumn({ nullable: true })
  nextRetryAt: Date | null;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  lastSyncedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When an admin unlinked the record from its account (unlinkScimRecord); null once it is linked or synced again. See waitingFor.',
  })
  @TimestampColumn({ nullable: true })
  unlinkedAt: Date | null;
}
