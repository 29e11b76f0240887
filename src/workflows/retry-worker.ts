import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { RetryWorkerOptions } from '../config';
import { PeriodicTask } from '../common';
import { queryBuilderFor, runMutation } from '../db';
import { ScimRecordStore } from '../scim';
import { retryDue } from './provisioning';

export const RETRY_ACTOR = 'system:retry';

/**
 * Retries FAILED records when their backoff expires, safely on any number of replicas: each
 * record is claimed with FOR UPDATE SKIP LOCKED inside the transaction that resyncs it, and
 * re-checked as still due there, so no record is retried twice for one due time.
 */
export class RetryWorker {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly options: RetryWorkerOptions,
  ) {
    this.task = new PeriodicTask(options.intervalMs, () =>
      this.runOnce().then(
        (outcome) => {
          if (outcome.retried > 0) this.logger.info(outcome, 'retried due SCIM records');
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'retry pass failed; will try again');
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

  /** One pass: every due record (up to the batch size) gets one attempt. */
  async runOnce(): Promise<{ retried: number; synced: number; skipped: number }> {
    const due = await new ScimRecordStore(queryBuilderFor(this.db)).due(this.options.batchSize);
    let retried = 0;
    let synced = 0;
    for (const { id, organizationId } of due) {
      if (this.task.stopping) break;
      const payload = await runMutation(
        this.db,
        { organizationId, actor: RETRY_ACTOR, requestId: null },
        { action: 'resyncScimRecord', args: { id } },
        { attempted: false, synced: false },
        async (m) => {
          const outcome = await retryDue(m, id);
          // Another replica holds it, or already retried it: nothing to do.
          if (!outcome) return { attempted: false, synced: false, userErrors: [] };
          return { attempted: true, synced: outcome.kind === 'sync' && outcome.sync.kind === 'synced', userErrors: [] };
        },
        this.logger,
      );
      if (payload.attempted) retried++;
      if (payload.synced) synced++;
    }
    return { retried, synced, skipped: due.length - retried };
  }
}
