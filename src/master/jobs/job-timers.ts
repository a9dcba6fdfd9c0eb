/** `queue`: how long a queued job may wait for a node (its optional queue timeout). */
type TimerKind = 'timeout' | 'grace' | 'cancel' | 'queue';

const KINDS: readonly TimerKind[] = ['timeout', 'grace', 'cancel', 'queue'];

/** One job's timers; every job's record has the same shape (no keys added or deleted). */
type Timers = Record<TimerKind, NodeJS.Timeout | undefined>;

/** Per-job timers by kind; setting one again replaces it. */
export class JobTimers {
  private readonly timers = new Map<number, Timers>();
  private stopped = false;

  /** Arms a timer; after `stop()` none is armed (the store it would write to is closing). */
  set(kind: TimerKind, jobId: number, ms: number, run: () => void): void {
    this.clear(kind, jobId);
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.clear(kind, jobId);
      run();
    }, ms);
    timer.unref();
    const timers = this.timers.get(jobId);
    if (timers) timers[kind] = timer;
    else this.timers.set(jobId, { timeout: undefined, grace: undefined, cancel: undefined, queue: undefined, [kind]: timer });
  }

  has(kind: TimerKind, jobId: number): boolean {
    return this.timers.get(jobId)?.[kind] !== undefined;
  }

  clear(kind: TimerKind, jobId: number): void {
    const timers = this.timers.get(jobId);
    if (timers?.[kind] === undefined) return;
    clearTimeout(timers[kind]);
    timers[kind] = undefined;
  }

  clearAll(jobId: number): void {
    const timers = this.timers.get(jobId);
    if (!timers) return;
    clearEach(timers);
    this.timers.delete(jobId);
  }

  /** Stops every timer for good (master shutdown): nodes leaving afterwards arm none. */
  stop(): void {
    this.stopped = true;
    for (const timers of this.timers.values()) clearEach(timers);
    this.timers.clear();
  }
}

function clearEach(timers: Timers): void {
  for (const kind of KINDS) if (timers[kind] !== undefined) clearTimeout(timers[kind]);
}
