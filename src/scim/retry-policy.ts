const BASE_DELAY_MS = 60_000;
const MAX_DELAY_MS = 24 * 60 * 60_000;

/** Exponential backoff for FAILED records: 1 min, 2, 4, ... capped at a day. */
function retryDelayMs(attempts: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

export function nextRetryAt(attempts: number, now = new Date()): Date {
  return new Date(now.getTime() + retryDelayMs(attempts));
}
