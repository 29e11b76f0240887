import type { DataSource } from 'typeorm';
import { sql } from 'kysely';
import { queryBuilderFor, tag } from '../db';

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A budget of `perMinute` units of work per key, refilled continuously. */
export interface WorkBudget {
  readonly perMinute: number;
  /** Spends `cost` units (1 to perMinute) of `key`'s budget, or says how long until they are there. */
  spend(key: string, cost: number): Promise<Verdict>;
}

const MINUTE_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
const DELETE_FULL_BUCKETS_EVERY_MS = 10 * 60_000;

const retryAfter = (waitMs: number): Verdict => ({
  allowed: false,
  retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
});

/**
 * Token buckets per key, in this process: `perMinute` a minute, bursting up to `burst`.
 * Replicas each keep their own, so the cluster-wide ceiling is replicas x limit: used where the
 * cost being bounded is itself per process (failed SCIM authentications).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly refillPerMs: number;
  private lastSweep = Date.now();

  constructor(
    readonly perMinute: number,
    private readonly burst: number = Math.max(1, Math.ceil(perMinute / 6)),
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / MINUTE_MS;
  }

  /** Takes one token for `key`; when none is left, says how long until one is. */
  take(key: string): Verdict {
    const bucket = this.refilled(key);
    const verdict = this.verdict(bucket);
    if (verdict.allowed) bucket.tokens -= 1;
    return verdict;
  }

  /** Whether `key` has a token left, without taking it. */
  check(key: string): Verdict {
    return this.verdict(this.refilled(key));
  }

  /** The bucket of `key`, refilled for the time since it was last used. */
  private refilled(key: string): { tokens: number; updatedAt: number } {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private verdict(bucket: { tokens: number }): Verdict {
    if (bucket.tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  /** Full buckets carry no information: drop them now and then so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.burst) this.buckets.delete(key);
    }
  }
}

/**
 * A budget every replica shares, kept in Postgres (`rate_limit_bucket`): a token bucket holding one
 * minute's worth of work, refilled continuously, written as GCRA (one timestamp per key, the
 * "theoretical arrival time" `tat`; the bucket is full when `tat` is past, and a spend of `cost`
 * fits when it moves `tat` at most one minute ahead of now). One upsert per spend, on the
 * database's clock, so replicas with skewed clocks agree.
 *
 * A refusal also teaches this process how far ahead `tat` is; until it has come down, further
 * spends that cannot fit are refused here without a round trip (other replicas only ever push
 * `tat` further), so a caller hammering past its budget costs the database nothing more.
 */
export class SharedRateLimiter implements WorkBudget {
  private readonly msPerUnit: number;
  /** Lower bounds of each key's `tat`, on this process' clock. */
  private readonly knownTat = new Map<string, number>();
  private lastSweep = Date.now();
  private lastDelete = 0;

  constructor(
    private readonly db: DataSource,
    readonly perMinute: number,
  ) {
    this.msPerUnit = MINUTE_MS / perMinute;
  }

  async spend(key: string, cost: number): Promise<Verdict> {
    if (!(cost >= 1 && cost <= this.perMinute)) throw new RangeError(`cost must be 1 to ${this.perMinute}`);
    const incrementMs = cost * this.msPerUnit;
    const now = Date.now();
    this.sweep(now);
    const known = this.knownTat.get(key);
    if (known !== undefined && Math.max(known, now) + incrementMs - now > MINUTE_MS) {
      return retryAfter(Math.max(known, now) + incrementMs - now - MINUTE_MS);
    }

    const sentAt = Date.now();
    const [spent] = await this.db.query<Array<{ backlog_ms: string } | undefined>>(
      `/* rateLimit:spend */
       INSERT INTO rate_limit_bucket AS bucket (key, tat)
       VALUES ($1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE
          SET tat = GREATEST(bucket.tat, now()) + $2 * interval '1 millisecond'
        WHERE GREATEST(bucket.tat, now()) + $2 * interval '1 millisecond' <= now() + $3 * interval '1 millisecond'
       RETURNING extract(epoch FROM tat - now()) * 1000 AS backlog_ms`,
      [key, incrementMs, MINUTE_MS],
    );
    if (spent !== undefined) {
      this.learn(key, sentAt, Number(spent.backlog_ms));
      return { allowed: true };
    }
    const [bucket] = await this.db.query<Array<{ backlog_ms: string } | undefined>>(
      `/* rateLimit:backlog */
       SELECT extract(epoch FROM GREATEST(tat, now()) - now()) * 1000 AS backlog_ms
         FROM rate_limit_bucket WHERE key = $1`,
      [key],
    );
    const backlogMs = bucket === undefined ? 0 : Number(bucket.backlog_ms);
    this.learn(key, sentAt, backlogMs);
    return retryAfter(backlogMs + incrementMs - MINUTE_MS);
  }

  /** `sentAt` precedes the database's now(), so sentAt + backlog never overstates `tat`. */
  private learn(key: string, sentAt: number, backlogMs: number): void {
    if (backlogMs > 0) this.knownTat.set(key, sentAt + backlogMs);
    else this.knownTat.delete(key);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [key, tat] of this.knownTat) if (tat <= now) this.knownTat.delete(key);
    }
    if (now - this.lastDelete >= DELETE_FULL_BUCKETS_EVERY_MS) {
      this.lastDelete = now;
      // A full bucket is the same as no row; any replica may delete them, and losing the race is harmless.
      void sql`DELETE FROM rate_limit_bucket WHERE tat < now() ${tag('rateLimit:deleteFull')}`
        .execute(queryBuilderFor(this.db))
        .catch(() => undefined);
    }
  }
}
