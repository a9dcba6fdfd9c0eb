type TimerKind = 'timeout' | 'grace' | 'cancel';

/** Per-job timers by kind; setting one again replaces it. */
export class JobTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  set(kind: TimerKind, jobId: number, ms: number, run: () => void): void {
    this.clear(kind, jobId);
    const timer = setTimeout(() => {
      this.timers.delete(`${kind}:${jobId}`);
      run();
    }, ms);
    timer.unref();
    this.timers.set(`${kind}:${jobId}`, timer);
  }

  clear(kind: TimerKind, jobId: number): void {
    clearTimeout(this.timers.get(`${kind}:${jobId}`));
    this.timers.delete(`${kind}:${jobId}`);
  }

  clearAll(jobId: number): void {
    for (const kind of ['timeout', 'grace', 'cancel'] as const) this.clear(kind, jobId);
  }

  /** Stops every timer (master shutdown). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
