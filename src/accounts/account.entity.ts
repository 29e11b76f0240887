import { Directive, Field, ObjectType } from 'type-graphql';
import { Check, Column, Entity, Index } from 'typeorm';
import { TimestampColumn, nowDefault, oneOf, VersionedTenantRow } from '../db';
import { AccountOrigin, AccountStatus } from './account.enums';

/**
 * A person's account. Its email is unique case-insensitively across the whole system: that
 * uniqueness is what turns an IdP's email change into a conflict.
 */
@Directive('@key(fields: "id")')
@ObjectType({
  description: "A person's account; its email is unique across the whole system, case-insensitively.",
  simpleResolvers: true,
})
@Entity('account')
// Expression indexes (lower(email) ...) are declared in the migration; TypeORM cannot describe them.
@Index('account_email_lower_key', { synchronize: false })
@Index('account_organization_email_idx', { synchronize: false })
@Index('account_organization_domain_email_idx', { synchronize: false })
@Index('account_organization_status_email_idx', { synchronize: false })
@Index('account_organization_origin_email_idx', { synchronize: false })
@Index('account_organization_unmanaged_email_idx', { synchronize: false })
@Index('account_placeholder_domain_idx', { synchronize: false })
@Index('account_organization_last_activity_idx', ['organizationId', 'lastActivityAt'])
@Check('account_origin_check', oneOf('origin', AccountOrigin))
@Check('account_status_check', oneOf('status', AccountStatus))
@Check('account_email_check', `"email" ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length("email") <= 320`)
@Check('account_email_domain_check', `"email_domain" = split_part(lower("email"), '@', 2)`)
export class Account extends VersionedTenantRow {
  @Field({ description: 'As the person or IdP wrote it; compared case-insensitively.' })
  @Column('text')
  email: string;

  /** Kept equal to the email's domain by a CHECK, so domain filters use a plain index. */
  @Field({ description: 'Lower-case domain part of the email.' })
  @Column('text')
  emailDomain: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  displayName: string | null;

  @Field(() => AccountOrigin)
  @Column('text')
  origin: AccountOrigin;

  @Field(() => AccountStatus)
  @Column('text', { default: AccountStatus.ACTIVE })
  status: AccountStatus;

  @Field(() => String, { nullable: true, description: 'Why the account was suspended or deactivated.' })
  @Column('text', { nullable: true })
  statusReason: string | null;

  @Field({ description: 'Claimed by the organization: it now governs the account.' })
  @Column('boolean', { default: false })
  managed: boolean;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  claimedAt: Date | null;

  @Field({
    description:
      "When the account last showed activity: its creation, a rename, a return to ACTIVE (restoreAccount, reactivateAccount), or its identity provider's push changing its email. Suspensions, deactivations and claims are not activity. Filter with accounts(filter: { inactiveSince }).",
  })
  @TimestampColumn(nowDefault)
  lastActivityAt: Date;
}
