import type { Logger } from '../../log/index.js';

/** How long a reload whose read failed waits before it tries again. */
const RETRY_MS = 1000;

/** What the gate holds while a load runs, and lets go once it is applied. */
export interface GateHooks {
  /** The load starts: timers that come due wait (see `JobTimers.hold`). */
  hold(): void;
  /** The load is applied and the held work has run: timers run, the queue dispatches. */
  release(): void;
}

/**
 * Keeps the unfinished jobs in memory from being acted on while they are (re)loaded from the store,
 * which answers asynchronously: at start (`recover`), and after a failed commit, when memory is
 * ahead of the store. While a load runs, the work that changes jobs (the hub's calls, timers, stops)
 * is held and runs in order once the load is applied, and readers wait (`opened`); nothing acts on
 * memory the load is about to replace. A load asked for while one runs loads again after it, so the
 * applied state is read after the last failure. Outside loads `run` costs one check.
 */
export class LoadGate {
  private loading: Promise<void> | undefined;
  /** `loading`, settled either way: what readers wait for. */
  private settled: Promise<void> | undefined;
  private again = false;
  private held: Array<() => void> = [];
  private closed = false;
  private started = 0;

  constructor(
    private readonly hooks: GateHooks,
    private readonly log: Logger,
  ) {}

  /** How many loads have been asked for: a create that sees this change may have lost its job. */
  get loads(): number {
    return this.started;
  }

  /** Whether a load is running. */
  get holding(): boolean {
    return this.loading !== undefined;
  }

  /** Runs `work` now, or once the running load has been applied. */
  run(work: () => void): void {
    if (this.loading === undefined) work();
    else this.held.push(work);
  }

  /** Resolves once no load is running (undefined: none is). */
  opened(): Promise<void> | undefined {
    return this.settled;
  }

  /**
   * Loads with `load` and applies what it gives with `apply`, holding work meanwhile. A read that
   * fails is retried when `retry` (memory must follow the store sooner or later), and rejects
   * otherwise (at start: the master cannot start without its jobs). Joins a running load.
   */
  reload<T>(load: () => Promise<T>, apply: (loaded: T) => void, retry: boolean): Promise<void> {
    this.started++;
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.hooks.hold();
    this.loading = this.loadAndApply(load, apply, retry).finally(() => this.open());
    this.settled = this.loading.then(
      () => undefined,
      () => undefined,
    );
    return this.loading;
  }

  /** Drops the held work and stops retrying: the master is closing. */
  close(): void {
    this.closed = true;
    this.held = [];
  }

  private async loadAndApply<T>(load: () => Promise<T>, apply: (loaded: T) => void, retry: boolean): Promise<void> {
    let loaded: T;
    do {
      this.again = false;
      loaded = await this.read(load, retry);
    } while (this.again && !this.closed);
    if (!this.closed) apply(loaded);
  }

  private async read<T>(load: () => Promise<T>, retry: boolean): Promise<T> {
    for (;;) {
      try {
        return await load();
      } catch (error) {
        if (!retry || this.closed) throw error;
        this.log.error({ err: error }, `could not reload the unfinished jobs from the store: trying again in ${RETRY_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }

  /** Runs the held work in the order it came, then lets the timers and the queue go. */
  private open(): void {
    this.loading = undefined;
    this.settled = undefined;
    const held = this.held;
    this.held = [];
    for (const work of held) {
      try {
        work();
      } catch (error) {
        this.log.error({ err: error }, 'work held during a reload of the jobs failed');
      }
    }
    if (!this.closed) this.hooks.release();
  }
}
