type TimerKind = 'timeout' | 'grace' | 'cancel';

/** Per-job timers by kind; setting one again replaces it. */
export class JobTimers {
  private readonly timers = new Map<number, Partial<Record<TimerKind, NodeJS.Timeout>>>();

  set(kind: TimerKind, jobId: number, ms: number, run: () => void): void {
    this.clear(kind, jobId);
    const timer = setTimeout(() => {
      this.clear(kind, jobId);
      run();
    }, ms);
    timer.unref();
    const timers = this.timers.get(jobId);
    if (timers) timers[kind] = timer;
    else this.timers.set(jobId, { [kind]: timer });
  }

  has(kind: TimerKind, jobId: number): boolean {
    return this.timers.get(jobId)?.[kind] !== undefined;
  }

  clear(kind: TimerKind, jobId: number): void {
    const timers = this.timers.get(jobId);
    if (timers?.[kind] === undefined) return;
    clearTimeout(timers[kind]);
    delete timers[kind];
  }

  clearAll(jobId: number): void {
    const timers = this.timers.get(jobId);
    if (!timers) return;
    for (const timer of Object.values(timers)) clearTimeout(timer);
    this.timers.delete(jobId);
  }

  /** Stops every timer (master shutdown). */
  stop(): void {
    for (const timers of this.timers.values()) for (const timer of Object.values(timers)) clearTimeout(timer);
    this.timers.clear();
  }
}
