import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { GraphQLJSON } from 'graphql-scalars';
import { TimestampColumn, nowDefault, oneOf, TenantRow } from '../db';

/** What a subscription can ask for, as GraphQL names it (receivers see EVENT_NAMES). */
export enum WebhookEvent {
  CONFLICT_OPENED = 'CONFLICT_OPENED',
  CONFLICT_RESOLVED = 'CONFLICT_RESOLVED',
  CONFLICT_DISMISSED = 'CONFLICT_DISMISSED',
  SCIM_RECORD_FAILED = 'SCIM_RECORD_FAILED',
  DOMAIN_VERIFIED = 'DOMAIN_VERIFIED',
  DOMAIN_VERIFICATION_LOST = 'DOMAIN_VERIFICATION_LOST',
}

/**
 * The names receivers see (`type` in the body, X-Webhook-Event), as Okta event hooks and
 * Atlassian webhooks name theirs; the database stores these (webhook.events,
 * webhook_delivery.event_type). Audit events become them in the database (migration
 * WebhookOutbox), in the same transaction as the change.
 */
export const EVENT_NAMES: Record<WebhookEvent, string> = {
  CONFLICT_OPENED: 'conflict.opened',
  CONFLICT_RESOLVED: 'conflict.resolved',
  CONFLICT_DISMISSED: 'conflict.dismissed',
  SCIM_RECORD_FAILED: 'scimRecord.failed',
  DOMAIN_VERIFIED: 'domain.verified',
  DOMAIN_VERIFICATION_LOST: 'domain.verificationLost',
};

const EVENTS_BY_NAME = new Map(Object.values(WebhookEvent).map((event) => [EVENT_NAMES[event], event]));

/** The GraphQL value of a stored event name. */
export function eventOf(name: string): WebhookEvent {
  const event = EVENTS_BY_NAME.get(name);
  if (event === undefined) throw new Error(`unknown webhook event ${name}`);
  return event;
}

export enum DeliveryStatus {
  /** Waiting for its first attempt or for its next retry (nextAttemptAt). */
  PENDING = 'PENDING',
  /** The receiver answered 2xx. */
  DELIVERED = 'DELIVERED',
  /** Every attempt failed: no more retries. */
  FAILED = 'FAILED',
}

registerEnumType(WebhookEvent, {
  name: 'WebhookEvent',
  description:
    'An event a webhook can subscribe to; receivers see its dotted name, e.g. `conflict.opened` for CONFLICT_OPENED.',
  valuesConfig: {
    CONFLICT_OPENED: { description: '`conflict.opened`: a conflict was opened (data.conflict names it).' },
    CONFLICT_RESOLVED: { description: '`conflict.resolved`: an OPEN conflict was resolved by a change.' },
    CONFLICT_DISMISSED: { description: '`conflict.dismissed`: an admin dismissed an OPEN conflict.' },
    SCIM_RECORD_FAILED: {
      description: '`scimRecord.failed`: a SCIM record became FAILED (a push or resync could not be applied).',
    },
    DOMAIN_VERIFIED: { description: '`domain.verified`: a domain became VERIFIED.' },
    DOMAIN_VERIFICATION_LOST: {
      description:
        '`domain.verificationLost`: a VERIFIED domain lost its proof (MISSING_TOKEN) or another organization verified it (SUPERSEDED).',
    },
  },
});
registerEnumType(DeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'Waiting for its first attempt or its next retry (nextAttemptAt).' },
    DELIVERED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Every attempt failed; it will not be retried.' },
  },
});

/** A URL that receives signed events of its organization. The signing secret never leaves the registration answer. */
@ObjectType({ description: 'A URL that receives signed events of this organization.', simpleResolvers: true })
@Entity('webhook')
@Index('webhook_organization_id_created_at_id_idx', ['organizationId', 'createdAt', 'id'])
@Check('webhook_events_check', `cardinality("events") > 0`)
export class Webhook extends TenantRow {
  @Field({ description: 'Where events are POSTed (https; vetted at registration and at every delivery).' })
  @Column('text')
  url: string;

  @Field(() => [WebhookEvent])
  @Column('text', { array: true })
  events: WebhookEvent[];

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  /** The HMAC-SHA256 key; stored as issued (the worker signs with it), never read by GraphQL. */
  @Column('text')
  secret: string;

  @Field({ description: 'The JWT subject that registered it.' })
  @Column('text')
  createdBy: string;

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;
}

/** One attempt to deliver, as the delivery log keeps it. */
@ObjectType('WebhookAttempt', { simpleResolvers: true })
export class WebhookAttempt {
  @Field()
  at: Date;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when none came back." })
  statusCode: number | null;

  @Field(() => String, { nullable: true, description: 'Why it failed: the HTTP status, a timeout, a refused address.' })
  error: string | null;

  @Field(() => Int)
  durationMs: number;
}

/** One event for one webhook: the outbox row the worker delivers, and its delivery log. */
@ObjectType({
  description: 'One event sent (or to be sent) to one webhook, with every attempt.',
  simpleResolvers: true,
})
@Entity('webhook_delivery')
@Index('webhook_delivery_organization_id_created_at_id_idx', ['organizationId', 'createdAt', 'id'])
@Index('webhook_delivery_webhook_id_idx', ['webhookId'])
@Index('webhook_delivery_next_attempt_at_idx', ['nextAttemptAt'], { where: `"status" = 'PENDING'` })
@Check('webhook_delivery_status_check', oneOf('status', DeliveryStatus))
@Check('webhook_delivery_attempts_check', `"attempts" >= 0`)
export class WebhookDelivery extends TenantRow {
  @Field(() => ID)
  @Column('uuid')
  webhookId: string;

  @ManyToOne(() => Webhook, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'webhook_delivery_webhook_id_fkey' })
  webhook?: Relation<Webhook>;

  @Field({
    description:
      "The event's id (the body's `id`, header X-Webhook-Id): the same on every retry, for receivers to drop repeats.",
  })
  @Column('text')
  eventId: string;

  @Field(() => WebhookEvent)
  @Column('text')
  eventType: WebhookEvent;

  @Field(() => GraphQLJSON, { description: 'The JSON body POSTed, as sent.' })
  @Column('jsonb')
  payload: Record<string, unknown>;

  @Field(() => DeliveryStatus)
  @Column('text', { default: DeliveryStatus.PENDING })
  status: DeliveryStatus;

  @Field(() => Int)
  @Column('integer', { default: 0 })
  attempts: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null once DELIVERED or FAILED.' })
  @TimestampColumn({ nullable: true, ...nowDefault })
  nextAttemptAt: Date | null;

  @Field(() => Int, { nullable: true })
  @Column('integer', { nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  lastError: string | null;

  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' })
  @Column('jsonb', { default: () => `'[]'` })
  attemptLog: WebhookAttempt[];

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @TimestampColumn({ nullable: true })
  deliveredAt: Date | null;
}
