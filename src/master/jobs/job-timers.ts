/**
 * `queue`: how long a queued job may wait for a node (its optional queue timeout). `approval`: the
 * earliest deadline of the job's pending questions.
 */
type TimerKind = 'timeout' | 'grace' | 'cancel' | 'queue' | 'approval';

const KINDS: readonly TimerKind[] = ['timeout', 'grace', 'cancel', 'queue', 'approval'];

/** One armed timer; `handle` undefined: paused with `leftMs` to go. */
interface Timer {
  handle: NodeJS.Timeout | undefined;
  dueAt: number;
  leftMs: number;
  run: () => void;
}

/** One job's timers; every job's record has the same shape (no keys added or deleted). */
type Timers = Record<TimerKind, Timer | undefined>;

/** A timer that came due while the timers were held. */
interface Due {
  kind: TimerKind;
  jobId: number;
  timer: Timer;
}

/**
 * Per-job timers by kind; setting one again replaces it. A timer can be paused and resumed. While
 * held (the unfinished jobs are being reloaded from the store), a timer that comes due does not
 * run: it stays armed, paused with nothing left, and runs at `release()` unless it was cleared or
 * replaced meanwhile (the reload found its job otherwise).
 */
export class JobTimers {
  private readonly timers = new Map<number, Timers>();
  private stopped = false;
  private held = false;
  private due: Due[] = [];

  /** Arms a timer; after `stop()` none is armed (the store it would write to is closing). */
  set(kind: TimerKind, jobId: number, ms: number, run: () => void): void {
    this.clear(kind, jobId);
    if (this.stopped) return;
    const timer: Timer = { handle: undefined, dueAt: 0, leftMs: ms, run };
    this.start(kind, jobId, timer);
    const timers = this.timers.get(jobId);
    if (timers) timers[kind] = timer;
    else this.timers.set(jobId, { timeout: undefined, grace: undefined, cancel: undefined, queue: undefined, approval: undefined, [kind]: timer });
  }

  /** Whether the timer is armed, or paused. */
  has(kind: TimerKind, jobId: number): boolean {
    return this.timers.get(jobId)?.[kind] !== undefined;
  }

  /** Stops the clock of an armed timer, keeping what is left of it for `resume`. */
  pause(kind: TimerKind, jobId: number): void {
    const timer = this.timers.get(jobId)?.[kind];
    if (timer?.handle === undefined) return;
    clearTimeout(timer.handle);
    timer.handle = undefined;
    timer.leftMs = Math.max(0, timer.dueAt - Date.now());
  }

  /** Starts a paused timer again with what was left of it; nothing when it is not paused. */
  resume(kind: TimerKind, jobId: number): void {
    const timer = this.timers.get(jobId)?.[kind];
    if (timer === undefined || timer.handle !== undefined || this.stopped) return;
    this.start(kind, jobId, timer);
  }

  clear(kind: TimerKind, jobId: number): void {
    const timers = this.timers.get(jobId);
    const timer = timers?.[kind];
    if (timers === undefined || timer === undefined) return;
    clearTimeout(timer.handle);
    timers[kind] = undefined;
  }

  clearAll(jobId: number): void {
    const timers = this.timers.get(jobId);
    if (!timers) return;
    clearEach(timers);
    this.timers.delete(jobId);
  }

  /** From now on a timer that comes due waits for `release()`. */
  hold(): void {
    this.held = true;
  }

  /** Runs the timers that came due while held and are still armed, in the order they came due. */
  release(): void {
    this.held = false;
    const due = this.due;
    this.due = [];
    for (const { kind, jobId, timer } of due) {
      if (this.timers.get(jobId)?.[kind] !== timer || timer.handle !== undefined) continue;
      this.clear(kind, jobId);
      timer.run();
    }
  }

  /** Stops every timer for good (master shutdown): nodes leaving afterwards arm none. */
  stop(): void {
    this.stopped = true;
    this.due = [];
    for (const timers of this.timers.values()) clearEach(timers);
    this.timers.clear();
  }

  private start(kind: TimerKind, jobId: number, timer: Timer): void {
    timer.dueAt = Date.now() + timer.leftMs;
    timer.handle = setTimeout(() => {
      if (this.held) {
        timer.handle = undefined;
        timer.leftMs = 0;
        this.due.push({ kind, jobId, timer });
        return;
      }
      this.clear(kind, jobId);
      timer.run();
    }, timer.leftMs);
    timer.handle.unref();
  }
}

function clearEach(timers: Timers): void {
  for (const kind of KINDS) clearTimeout(timers[kind]?.handle);
}
