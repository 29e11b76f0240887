import { sql, type Generated, type Selectable } from 'kysely';
import { tag, type Db, paginate, type Keyset, type Page } from '../db';
import { isUuid } from '../common';
import {
  DeliveryStatus,
  EVENT_NAMES,
  Webhook,
  WebhookDelivery,
  eventOf,
  type WebhookAttempt,
  type WebhookEvent,
} from './webhook.entity';

interface WebhookTable {
  id: Generated<string>;
  organizationId: string;
  url: string;
  /** Event names as receivers see them (EVENT_NAMES). */
  events: string[];
  description: string | null;
  secret: string;
  createdBy: string;
  createdAt: Generated<Date>;
}

interface WebhookDeliveryTable {
  id: Generated<string>;
  organizationId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  nextAttemptAt: Generated<Date | null>;
  lastStatusCode: number | null;
  lastError: string | null;
  attemptLog: Generated<unknown>;
  createdAt: Generated<Date>;
  deliveredAt: Date | null;
}

declare module '../db/kysely' {
  interface Tables {
    webhook: WebhookTable;
    webhookDelivery: WebhookDeliveryTable;
  }
}

/** Newest first; rows of one transaction share created_at, the id tells them apart. */
const DELIVERY_KEYSET: Keyset<Selectable<WebhookDeliveryTable>> = {
  scope: 'webhookDeliveries',
  direction: 'desc',
  keys: [
    { property: 'createdAt', cast: 'timestamptz' },
    { property: 'id', cast: 'uuid' },
  ],
};

export interface DeliveryFilter {
  webhookId?: string | null;
  eventType?: WebhookEvent | null;
  status?: DeliveryStatus | null;
}

/** A delivery the worker has claimed, with where it goes and the key it is signed with. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

/** Stored event names become GraphQL's enum values. */
const webhook = (row: Selectable<WebhookTable>): Webhook =>
  Object.assign(new Webhook(), row, { events: row.events.map(eventOf) });

/** Likewise, and the attempt log's times (JSON strings) become Dates. */
function delivery(row: Selectable<WebhookDeliveryTable>): WebhookDelivery {
  const log = Array.isArray(row.attemptLog) ? (row.attemptLog as Array<Record<keyof WebhookAttempt, never>>) : [];
  return Object.assign(new WebhookDelivery(), row, {
    eventType: eventOf(row.eventType),
    attemptLog: log.map((attempt): WebhookAttempt => ({
      at: new Date(attempt.at),
      statusCode: attempt.statusCode,
      error: attempt.error,
      durationMs: attempt.durationMs,
    })),
  });
}

/** Every statement of the webhooks feature: subscriptions, the outbox and its delivery log. */
export class WebhookStore {
  constructor(private readonly db: Db) {}

  async list(organizationId: string): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom('webhook')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt')
      .orderBy('id')
      .modifyEnd(tag('webhooks'))
      .execute();
    return rows.map(webhook);
  }

  async count(organizationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('webhook')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('organizationId', '=', organizationId)
      .modifyEnd(tag('webhooks:count'))
      .executeTakeFirstOrThrow();
    return row.count;
  }

  async insert(values: {
    organizationId: string;
    url: string;
    events: WebhookEvent[];
    description: string | null;
    secret: string;
    createdBy: string;
  }): Promise<Webhook> {
    const row = await this.db
      .insertInto('webhook')
      .values({ ...values, events: values.events.map((event) => EVENT_NAMES[event]) })
      .returningAll()
      .modifyEnd(tag('registerWebhook'))
      .executeTakeFirstOrThrow();
    return webhook(row);
  }

  /** One webhook of the organization, locked for the rest of the transaction. */
  async lock(organizationId: string, id: string): Promise<Webhook | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db
      .selectFrom('webhook')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .forUpdate()
      .modifyEnd(tag('lockWebhook'))
      .executeTakeFirst();
    return row && webhook(row);
  }

  /** Deletes the webhook; its deliveries (pending ones too) go with it. */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('webhook').where('id', '=', id).modifyEnd(tag('deleteWebhook')).execute();
  }

  async deliveries(
    organizationId: string,
    filter: DeliveryFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<WebhookDelivery>> {
    let query = this.db.selectFrom('webhookDelivery').selectAll().where('organizationId', '=', organizationId);
    if (filter.webhookId != null) {
      query = isUuid(filter.webhookId)
        ? query.where('webhookId', '=', filter.webhookId)
        : query.where(sql<boolean>`false`);
    }
    if (filter.eventType != null) query = query.where('eventType', '=', EVENT_NAMES[filter.eventType]);
    if (filter.status != null) query = query.where('status', '=', filter.status);
    const page = await paginate(query, DELIVERY_KEYSET, args, 'webhookDeliveries');
    return { ...page, nodes: page.nodes.map(delivery) };
  }

  /**
   * An outbox row for every webhook of the organization subscribed to `type`, built by one
   * INSERT ... SELECT in the caller's transaction. `body` is the whole JSON a receiver gets.
   */
  async emit(organizationId: string, type: WebhookEvent, eventId: string, body: object): Promise<void> {
    await this.db
      .insertInto('webhookDelivery')
      .columns(['organizationId', 'webhookId', 'eventId', 'eventType', 'payload'])
      .expression(
        this.db
          .selectFrom('webhook')
          .select([
            'organizationId',
            'id',
            sql<string>`${eventId}::text`.as('eventId'),
            sql<string>`${EVENT_NAMES[type]}::text`.as('eventType'),
            sql`${JSON.stringify(body)}::jsonb`.as('payload'),
          ])
          .where('organizationId', '=', organizationId)
          .where(sql<boolean>`${EVENT_NAMES[type]}::text = ANY (events)`),
      )
      .modifyEnd(tag('emitWebhookEvent'))
      .execute();
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each, on any number of replicas: FOR UPDATE
   * SKIP LOCKED lets concurrent claims pass each other, and the claim (attempts + 1, the next
   * attempt pushed past the lease) commits at once, so no lock is held while the receiver is
   * called. A claimer that dies leaves the delivery due again when its lease ends.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const due = this.db
      .selectFrom('webhookDelivery')
      .select('id')
      .where('status', '=', DeliveryStatus.PENDING)
      .where('nextAttemptAt', '<=', sql<Date>`now()`)
      .orderBy('nextAttemptAt')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    const rows = await this.db
      .updateTable('webhookDelivery as d')
      .from('webhook as w')
      .set({
        attempts: sql<number>`d.attempts + 1`,
        nextAttemptAt: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`,
      })
      .whereRef('w.id', '=', 'd.webhookId')
      .where('d.id', 'in', due)
      .returning(['d.id', 'd.eventId', 'd.eventType', 'd.payload', 'd.attempts', 'w.url', 'w.secret'])
      .modifyEnd(tag('webhookWorker:claim'))
      .execute();
    return rows;
  }

  /**
   * Records one attempt. `attempts` is the claim's count: a delivery claimed again after its lease
   * ran out (this attempt was too slow) is not overwritten by the late answer.
   */
  async recordAttempt(
    id: string,
    attempts: number,
    attempt: WebhookAttempt,
    outcome: { status: DeliveryStatus; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('webhookDelivery')
      .set({
        status: outcome.status,
        nextAttemptAt: outcome.nextAttemptAt,
        lastStatusCode: attempt.statusCode,
        lastError: attempt.error,
        deliveredAt: outcome.status === DeliveryStatus.DELIVERED ? attempt.at : null,
        attemptLog: sql`attempt_log || ${JSON.stringify([attempt])}::jsonb`,
      })
      .where('id', '=', id)
      .where('attempts', '=', attempts)
      .where('status', '=', DeliveryStatus.PENDING)
      .modifyEnd(tag('webhookWorker:record'))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Forgets settled deliveries (DELIVERED, FAILED) older than the retention; pending ones stay whatever their age. */
  async expire(retentionDays: number): Promise<number> {
    const result = await this.db
      .deleteFrom('webhookDelivery')
      .where('status', '!=', DeliveryStatus.PENDING)
      .where('createdAt', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
      .modifyEnd(tag('webhookWorker:expire'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
