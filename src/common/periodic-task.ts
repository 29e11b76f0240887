/**
 * A background pass run every `intervalMs` after the previous one ended (never two at once, and
 * the timer keeps no process alive). `pass` handles its own outcome and errors; `stop` waits for
 * the pass in progress. What the retry worker and the webhook worker share.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  /** Whether stop() was called: a long pass checks it between items. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Waits for the pass in progress, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }
}
