import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload, ConnectionType } from '../../common';
import { DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent } from '../../webhooks';

@ObjectType({ implements: MutationPayload })
export class RegisterWebhookPayload extends MutationPayload {
  static readonly blank: BlankPayload<RegisterWebhookPayload> = { webhook: null, secret: null };

  @Field(() => Webhook, { nullable: true })
  webhook: Webhook | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The HMAC-SHA256 signing key, shown only in this answer (and in a replay of it with the same idempotencyKey): keep it to verify X-Webhook-Signature. Null in a dry run.',
  })
  secret: string | null;
}

@ObjectType({ implements: MutationPayload })
export class WebhookPayload extends MutationPayload {
  static readonly blank: BlankPayload<WebhookPayload> = { webhook: null };

  @Field(() => Webhook, { nullable: true })
  webhook: Webhook | null;
}

@InputType({ description: 'All given conditions must hold.' })
export class WebhookDeliveryFilter {
  @Field(() => ID, { nullable: true })
  webhookId?: string | null;

  @Field(() => WebhookEvent, { nullable: true })
  eventType?: WebhookEvent | null;

  @Field(() => DeliveryStatus, { nullable: true })
  status?: DeliveryStatus | null;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery);
export type WebhookDeliveryConnection = InstanceType<typeof WebhookDeliveryConnection>;
