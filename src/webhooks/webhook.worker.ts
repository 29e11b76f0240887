import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { WebhookWorkerOptions } from '../config';
import { PeriodicTask, backoffMs } from '../common';
import { queryBuilderFor } from '../db';
import { DeliveryStatus } from './webhook.entity';
import { WebhookStore, type ClaimedDelivery } from './webhook.store';
import { EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, post, sign, vetTarget } from './webhook-target';

/** Declared with the rest of the settings (config.ts imports no feature). */
export type { WebhookWorkerOptions };

const EXPIRY_INTERVAL_MS = 60 * 60_000;

/** After the n-th failed attempt: base * 2^(n-1), capped at an hour (30 s, 1 min, 2, 4, ... by default). */
const retryDelayMs = (attempts: number, baseMs: number) => backoffMs(attempts, baseMs, 60 * 60_000);

/**
 * Delivers the outbox: each due delivery is claimed (FOR UPDATE SKIP LOCKED, committed at once,
 * see WebhookStore.claimDue), POSTed with its signature, and its attempt recorded: DELIVERED on a
 * 2xx, else retried with exponential backoff until maxAttempts, then FAILED. Safe on any number
 * of replicas; delivery is at least once (a replica that dies after the receiver answered leaves
 * the delivery to be sent again when its lease ends), so receivers drop repeats by X-Webhook-Id.
 */
export class WebhookWorker {
  private readonly task: PeriodicTask;
  private readonly store: WebhookStore;
  /** When this worker last pruned the delivery log (every replica does, at most hourly; a DELETE twice is harmless). */
  private lastExpiry = 0;

  constructor(
    db: DataSource,
    private readonly logger: Logger,
    private readonly options: WebhookWorkerOptions,
  ) {
    this.store = new WebhookStore(queryBuilderFor(db));
    this.task = new PeriodicTask(options.intervalMs, () =>
      this.runOnce().then(
        (outcome) => {
          if (outcome.attempted > 0 || outcome.expired > 0) this.logger.info(outcome, 'delivered webhook events');
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'webhook delivery pass failed; will try again');
        },
      ),
    );
  }

  start(): void {
    this.task.start();
  }

  /** Waits for the pass in progress, then stops. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: every due delivery (up to the batch size) gets one attempt, all at once; hourly, old ones are forgotten. */
  async runOnce(): Promise<{ attempted: number; delivered: number; failed: number; expired: number }> {
    let expired = 0;
    if (Date.now() - this.lastExpiry >= EXPIRY_INTERVAL_MS) {
      this.lastExpiry = Date.now();
      expired = await this.store.expire(this.options.retentionDays);
    }
    // The lease outlasts the attempt (its timeout) so that no other replica starts the same one.
    const claimed = await this.store.claimDue(this.options.batchSize, this.options.timeoutMs + 30_000);
    const results = await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return {
      attempted: results.length,
      delivered: results.filter((status) => status === DeliveryStatus.DELIVERED).length,
      failed: results.filter((status) => status === DeliveryStatus.FAILED).length,
      expired,
    };
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DeliveryStatus> {
    const at = new Date();
    // Vetted again at each delivery: the name may resolve elsewhere since registration.
    const target = await vetTarget(delivery.url, this.options);
    const body = JSON.stringify(delivery.payload);
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const result = target.ok
      ? await post(
          target,
          {
            body,
            headers: {
              [SIGNATURE_HEADER]: sign(delivery.secret, timestamp, body),
              [TIMESTAMP_HEADER]: timestamp,
              [EVENT_HEADER]: delivery.eventType,
              [ID_HEADER]: delivery.eventId,
            },
          },
          this.options.timeoutMs,
        )
      : { ok: false, statusCode: null, error: target.message, durationMs: 0 };
    const status = result.ok
      ? DeliveryStatus.DELIVERED
      : delivery.attempts >= this.options.maxAttempts
        ? DeliveryStatus.FAILED
        : DeliveryStatus.PENDING;
    const nextAttemptAt =
      status === DeliveryStatus.PENDING
        ? new Date(at.getTime() + retryDelayMs(delivery.attempts, this.options.retryBaseMs))
        : null;
    const recorded = await this.store.recordAttempt(
      delivery.id,
      delivery.attempts,
      { at, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs },
      { status, nextAttemptAt },
    );
    if (!recorded)
      this.logger.warn(
        { delivery: delivery.id },
        'webhook attempt not recorded: its lease ran out first, or its webhook was deleted',
      );
    if (!result.ok)
      this.logger.info(
        { delivery: delivery.id, attempts: delivery.attempts, error: result.error, status },
        'webhook delivery failed',
      );
    return status;
  }
}
