/**
 * A bounded map whose entries each hold until a time of their own: what a process remembers for
 * a while so that a steady caller costs nothing (a verified token, an organization seen to exist,
 * a SCIM token that proved its directory). An entry past its time is gone. Full, the map forgets
 * everything rather than growing: callers only lose a shortcut, never an answer.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(private readonly capacity: number) {}

  /** The value, while `now` is before its time; an expired entry is dropped. */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers `value` until the time `until` (milliseconds since the epoch). */
  set(key: K, value: V, until: number): void {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
