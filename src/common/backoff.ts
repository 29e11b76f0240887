/** Exponential backoff after the n-th failed attempt: base, 2 × base, 4 × base, ... capped. */
export function backoffMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), capMs);
}
