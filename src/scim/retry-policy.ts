import { backoffMs } from '../common';
const BASE_DELAY_MS = 60_000;
const MAX_DELAY_MS = 24 * 60 * 60_000;

/** Exponential backoff for FAILED records: 1 min, 2, 4, ... capped at a day. */
export function nextRetryAt(attempts: number, now = new Date()): Date {
  return new Date(now.getTime() + backoffMs(attempts, BASE_DELAY_MS, MAX_DELAY_MS));
}
