/**
 * Keeps the latest value per key and hands the pending ones over together, at most once per
 * window: a job that reports a hundred events a second costs a dashboard ten updates, and the
 * last state it reached is always among them.
 */
export class Coalescer<V> {
  private pending = new Map<number, V>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly flush: (values: V[]) => void,
  ) {}

  push(key: number, value: V): void {
    this.pending.set(key, value);
    if (this.timer) return;
    this.timer = setTimeout(this.run, this.windowMs);
    this.timer.unref();
  }

  /** Forgets what is pending (nobody is listening any more). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = new Map();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    const values = [...this.pending.values()];
    this.pending = new Map();
    this.flush(values);
  };
}
