import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique, type Relation } from 'typeorm';
import { VersionedTenantRow } from '../db';
import { Directory } from '../directories';
import { ScimRecord } from './scim-record.entity';

/**
 * A group as the IdP pushed it over SCIM. Its members are SCIM records of the same directory
 * (table `scim_group_member`); the raw payload keeps what the columns do not cover, members aside.
 */
@ObjectType({
  description: 'A group an identity provider pushes over SCIM; its members are SCIM records of the same directory.',
  simpleResolvers: true,
})
@Entity('scim_group')
@Unique('scim_group_directory_id_external_id_key', ['directoryId', 'externalId'])
// (directory_id, lower(display_name)): an expression index, declared in the migration.
@Index('scim_group_directory_id_display_name_lower_idx', { synchronize: false })
@Index('scim_group_directory_id_created_at_id_idx', ['directoryId', 'createdAt', 'id'])
export class ScimGroup extends VersionedTenantRow {
  @Column('uuid')
  directoryId: string;

  @ManyToOne(() => Directory, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'directory_id', foreignKeyConstraintName: 'scim_group_directory_id_fkey' })
  directory?: Relation<Directory>;

  @Field(() => String, { nullable: true, description: "The IdP's own id for the group." })
  @Column('text', { nullable: true })
  externalId: string | null;

  @Field()
  @Column('text')
  displayName: string;

  /** The last payload without its members (they live in scim_group_member). */
  @Column('jsonb', { default: () => `'{}'` })
  rawPayload: Record<string, unknown>;
}

/** One SCIM record's membership in one group; goes when either does. */
@Entity('scim_group_member')
@Index('scim_group_member_scim_record_id_idx', ['scimRecordId'])
export class ScimGroupMember {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'scim_group_member_pkey' })
  groupId: string;

  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'scim_group_member_pkey' })
  scimRecordId: string;

  @ManyToOne(() => ScimGroup, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'group_id', foreignKeyConstraintName: 'scim_group_member_group_id_fkey' })
  group?: Relation<ScimGroup>;

  @ManyToOne(() => ScimRecord, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'scim_record_id', foreignKeyConstraintName: 'scim_group_member_scim_record_id_fkey' })
  scimRecord?: Relation<ScimRecord>;
}
