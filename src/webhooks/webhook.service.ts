import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { queryBuilderFor, type Page, type MutationScope } from '../db';
import { CommonErrorCode, notFoundError, userError, type UserError } from '../common';
import { EVENT_NAMES, type Webhook, type WebhookDelivery, type WebhookEvent } from './webhook.entity';
import { WebhookErrorCode } from './webhook.errors';
import { WebhookStore, type DeliveryFilter } from './webhook.store';
import { vetTarget, type TargetPolicy, type VettedTarget } from './webhook-target';

/** More would be a script registering in a loop; Okta allows 10 event hooks, Atlassian 100 webhooks per app. */
const MAX_WEBHOOKS_PER_ORGANIZATION = 25;
const MAX_DESCRIPTION_LENGTH = 500;

export type WebhookOutcome =
  | { kind: 'registered'; webhook: Webhook; secret: string | null }
  | { kind: 'deleted'; webhook: Webhook }
  | { kind: 'refused'; error: UserError };

const refused = (error: UserError): WebhookOutcome => ({ kind: 'refused', error });

/** What a webhook's audit event keeps: never the secret. */
const facts = (webhook: Webhook) => ({ url: webhook.url, events: webhook.events, description: webhook.description });

/** Reads, and the URL check that runs before a registration's transaction (it waits on DNS). */
export class WebhookService {
  private readonly store: WebhookStore;

  constructor(
    db: DataSource,
    readonly policy: TargetPolicy,
  ) {
    this.store = new WebhookStore(queryBuilderFor(db));
  }

  list(organizationId: string): Promise<Webhook[]> {
    return this.store.list(organizationId);
  }

  deliveries(
    organizationId: string,
    filter: DeliveryFilter,
    page: { first?: number | null; after?: string | null },
  ): Promise<Page<WebhookDelivery>> {
    return this.store.deliveries(organizationId, filter, page);
  }

  /** The SSRF guard on the URL (syntax, then every address its host resolves to). */
  checkUrl(url: string): Promise<VettedTarget> {
    return vetTarget(url, this.policy);
  }
}

/** The mutations on webhooks, each inside a MutationScope's transaction. */
export const webhookMutations = {
  /**
   * Registers a URL for events and answers its signing secret (32 random bytes). The URL was
   * vetted before the transaction (`check`); the number of webhooks is bounded per organization.
   */
  async register(
    m: MutationScope,
    input: { url: string; events: WebhookEvent[]; description?: string | null },
    check: VettedTarget,
  ): Promise<WebhookOutcome> {
    if (!check.ok) {
      return refused(
        check.reason === 'INVALID_URL'
          ? userError(WebhookErrorCode.INVALID_WEBHOOK_URL, check.message, 'url')
          : userError(WebhookErrorCode.WEBHOOK_URL_NOT_ALLOWED, check.message, 'url'),
      );
    }
    const events = [...new Set(input.events)].sort();
    if (events.length === 0) {
      return refused(userError(CommonErrorCode.INVALID_INPUT, 'Subscribe to at least one event.', 'events'));
    }
    const description = input.description?.trim() || null;
    if (description !== null && description.length > MAX_DESCRIPTION_LENGTH) {
      return refused(
        userError(
          CommonErrorCode.INVALID_INPUT,
          `A description has at most ${MAX_DESCRIPTION_LENGTH} characters.`,
          'description',
        ),
      );
    }
    const store = new WebhookStore(m.db);
    if ((await store.count(m.organizationId)) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
      return refused(
        userError(
          WebhookErrorCode.WEBHOOK_LIMIT,
          `An organization has at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks; delete one first.`,
        ),
      );
    }
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const webhook = await store.insert({
      organizationId: m.organizationId,
      url: check.url.href,
      events,
      description,
      secret,
      createdBy: m.actor,
    });
    await m.audit({ targetType: 'Webhook', targetId: webhook.id, before: null, after: facts(webhook) });
    // A dry run stores nothing, so it shows no secret that could never verify anything.
    return { kind: 'registered', webhook, secret: m.dryRun ? null : secret };
  },

  /** Deletes a webhook: nothing more is sent to it, pending deliveries included. */
  async delete(m: MutationScope, input: { id: string }): Promise<WebhookOutcome> {
    const store = new WebhookStore(m.db);
    const webhook = await store.lock(m.organizationId, input.id);
    if (!webhook) return refused(notFoundError('webhook', 'id'));
    await store.delete(webhook.id);
    await m.audit({ targetType: 'Webhook', targetId: webhook.id, before: facts(webhook), after: null });
    return { kind: 'deleted', webhook };
  },
};

/**
 * Writes an event to the outbox in the caller's transaction: one row per webhook of the
 * organization subscribed to `type`, delivered after the commit (never if it rolls back). For
 * events the audit trail does not already carry: those it does (conflicts, SCIM failures, domain
 * verification) are turned into outbox rows by the database as their audit events are written.
 */
export async function emitEvent(m: MutationScope, type: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  const id = randomUUID();
  await new WebhookStore(m.db).emit(m.organizationId, type, id, {
    id,
    type: EVENT_NAMES[type],
    occurredAt: new Date().toISOString(),
    organizationId: m.organizationId,
    actor: m.actor,
    action: m.action,
    requestId: m.requestId,
    data,
  });
}
