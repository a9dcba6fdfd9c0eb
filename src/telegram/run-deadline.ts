/** Node fires a timer past 2^31-1 ms (~24.8 days) at once; that long is no limit anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A run's time limit (`mcp_client_timeout_seconds`) that can be paused: while Codex waits for a
 * person's answer the run is not working, so that time does not count.
 */
export class RunDeadline {
  private timer: NodeJS.Timeout | undefined;
  private leftMs: number;
  private since = 0;
  private over = false;
  private stopped = false;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.leftMs = ms;
    this.resume();
  }

  /** Whether the limit was reached. */
  get expired(): boolean {
    return this.over;
  }

  /** Stops the clock, keeping what is left. */
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.leftMs -= Date.now() - this.since;
  }

  /** Runs the clock on with what was left. */
  resume(): void {
    if (this.timer || this.over || this.stopped) return;
    this.since = Date.now();
    this.timer = setTimeout(
      () => {
        this.over = true;
        this.timer = undefined;
        this.onExpire();
      },
      Math.min(Math.max(this.leftMs, 0), MAX_TIMER_MS),
    );
  }

  /** The run ended: no limit any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
