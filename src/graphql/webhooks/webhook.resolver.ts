import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequireScope, Scope } from '../../auth';
import { MutationOptions, PageArgs, assertNever } from '../../common';
import type { Context } from '../../context';
import { Webhook, WebhookEvent, webhookMutations, type WebhookOutcome } from '../../webhooks';
import {
  RegisterWebhookPayload,
  WebhookDeliveryConnection,
  WebhookDeliveryFilter,
  WebhookPayload,
} from './webhook.types';

function webhookPayload(outcome: WebhookOutcome) {
  switch (outcome.kind) {
    case 'registered':
      return { webhook: outcome.webhook, secret: outcome.secret, userErrors: [] };
    case 'deleted':
      return { webhook: outcome.webhook, secret: null, userErrors: [] };
    case 'refused':
      return { webhook: null, secret: null, userErrors: [outcome.error] };
    default:
      return assertNever(outcome);
  }
}

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => [Webhook], { description: "The organization's webhooks, oldest first (their secrets are never shown)." })
  @RequireScope(Scope.READ)
  webhooks(@Ctx() ctx: Context): Promise<Webhook[]> {
    return ctx.services.webhooks.list(ctx.organizationId);
  }

  @Query(() => WebhookDeliveryConnection, {
    description: 'The delivery log, newest first: every event sent or to be sent, with each attempt.',
  })
  @RequireScope(Scope.READ)
  async webhookDeliveries(
    @Arg('filter', () => WebhookDeliveryFilter, { nullable: true }) filter: WebhookDeliveryFilter | null,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<WebhookDeliveryConnection> {
    return new WebhookDeliveryConnection(
      await ctx.services.webhooks.deliveries(ctx.organizationId, filter ?? {}, page),
    );
  }

  @Mutation(() => RegisterWebhookPayload, {
    description:
      'Registers a URL to receive events as signed POSTs (X-Webhook-Signature: v1=HMAC-SHA256(secret, "<X-Webhook-Timestamp>.<body>")) and answers the signing secret, once. The URL must be https on a public address (INVALID_WEBHOOK_URL, WEBHOOK_URL_NOT_ALLOWED); at most 25 webhooks (WEBHOOK_LIMIT).',
  })
  @RequireScope(Scope.WRITE)
  async registerWebhook(
    @Arg('url') url: string,
    @Arg('events', () => [WebhookEvent]) events: WebhookEvent[],
    @Arg('description', () => String, { nullable: true }) description: string | null,
    @Args() options: MutationOptions,
    @Ctx() ctx: Context,
  ) {
    const args = { url, events, description };
    // The DNS lookup runs before the transaction: no connection is held while waiting on it.
    const check = await ctx.services.webhooks.checkUrl(url);
    return ctx.mutate(RegisterWebhookPayload, { action: 'registerWebhook', args, ...options }, async (m) =>
      webhookPayload(await webhookMutations.register(m, args, check)),
    );
  }

  @Mutation(() => WebhookPayload, {
    description: 'Deletes a webhook; nothing more is sent to it, and its delivery log goes with it. Also NOT_FOUND.',
  })
  @RequireScope(Scope.WRITE)
  deleteWebhook(@Arg('id', () => ID) id: string, @Args() options: MutationOptions, @Ctx() ctx: Context) {
    const args = { id };
    return ctx.mutate(WebhookPayload, { action: 'deleteWebhook', args, ...options }, async (m) => {
      const { webhook, userErrors } = webhookPayload(await webhookMutations.delete(m, args));
      return { webhook, userErrors };
    });
  }
}
