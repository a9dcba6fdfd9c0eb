import type { RetentionSettings } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { settled, type JobMaintenance } from '../store/index.js';
import { Budget, foldDeltas, pruneEvents, pruneJobs, type Removed, type SweepTask } from './sweep-tasks.js';

export interface SweeperOptions {
  /** What to prune; undefined or both unset: only delta folding runs. */
  retention?: RetentionSettings | undefined;
  /** Between the end of one sweep and the start of the next (default a minute). */
  intervalMs?: number;
  /** Rows a turn may read or delete (default 2000). */
  batchRows?: number;
  /** Time a turn may work before it yields, its commit aside (default 4 ms): fewer rows on a slow disk or a busy CPU. */
  turnMs?: number;
  /**
   * Pause between turns (default 10 ms, and at least three times the last turn). Back to back,
   * turns would take every pass of the event loop, and a job that needs several passes (request,
   * dispatch, commit, frame) would wait for one at each: measured, that multiplied dispatch
   * latency instead of adding one turn to it.
   */
  restMs?: number;
  /**
   * How long after its end a job's deltas are folded (default 10 minutes): whoever reads a log
   * just after the end (`csc job logs`, a test, a bridge's summary) still sees it as it streamed.
   */
  foldAfterMs?: number;
  /** The clock the cutoffs are taken from (tests move it). */
  now?: () => number;
}

/** What one sweep did. */
export interface SweepFigures extends Removed {
  /** Event-loop turns it took. */
  turns: number;
  /** Time spent in them. */
  busyMs: number;
  /** From its start to its end, turns of other work included. */
  elapsedMs: number;
}

const DAY_MS = 86_400_000;
const DEFAULTS = { intervalMs: 60_000, batchRows: 2000, turnMs: 4, restMs: 10, foldAfterMs: 10 * 60_000 };

/**
 * Keeps the store's finished jobs within bounds: deletes jobs past `MASTER_RETENTION_DAYS`, the
 * events of jobs past `MASTER_EVENT_RETENTION_DAYS`, and folds covered message deltas of every
 * finished job. A sweep works in turns of at most `batchRows` rows and `turnMs`, each committed,
 * `restMs` apart, so whatever else the master does (dispatch, ingest, the API) waits for one small
 * batch at most. Only finished jobs are touched: the unfinished ones the job service holds are never.
 */
export class Sweeper {
  private readonly tasks: Array<[name: string, task: SweepTask]> = [];
  private readonly budget: Budget;
  private readonly intervalMs: number;
  private readonly restMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepFigures> | undefined;
  private stopped = false;

  constructor(
    private readonly store: JobMaintenance,
    private readonly log: Logger,
    options: SweeperOptions = {},
  ) {
    const { intervalMs, batchRows, turnMs, restMs, foldAfterMs } = { ...DEFAULTS, ...options };
    const now = options.now ?? Date.now;
    const ago = (ms: number) => () => new Date(now() - ms).toISOString();
    const { jobDays, eventDays } = options.retention ?? {};
    if (jobDays !== undefined) this.tasks.push(['jobs', pruneJobs(store, ago(jobDays * DAY_MS))]);
    if (eventDays !== undefined) this.tasks.push(['events', pruneEvents(store, ago(eventDays * DAY_MS))]);
    this.tasks.push(['deltas', foldDeltas(store, ago(foldAfterMs))]);
    this.budget = new Budget(batchRows, turnMs);
    this.intervalMs = intervalMs;
    this.restMs = restMs;
  }

  /** Sweeps every `intervalMs`, the first time `intervalMs` from now. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.sweep().finally(() => this.rearm()), this.intervalMs);
    this.timer.unref();
  }

  /** Sweeps now (or joins the sweep under way); resolves with its figures once it is done. */
  sweep(): Promise<SweepFigures> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * No turn starts after this; a sweep under way resolves with what it did so far. Resolves once
   * its last turn has ended: the store may close then.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private rearm(): void {
    this.timer = undefined;
    this.start();
  }

  private run(): Promise<SweepFigures> {
    const figures: SweepFigures = { jobs: 0, events: 0, deltas: 0, turns: 0, busyMs: 0, elapsedMs: 0 };
    const pending = this.tasks.map(([name, task]) => ({ name, steps: task(this.budget, figures) }));
    const started = performance.now();
    return new Promise((resolve) => {
      const turn = async (): Promise<void> => {
        const t0 = performance.now();
        if (!this.stopped) await this.turn(pending);
        const took = performance.now() - t0;
        this.budget.settle(took);
        figures.turns++;
        figures.busyMs += took;
        // At most a quarter of the loop's time, whatever a turn costs here.
        if (pending.length > 0 && !this.stopped) return void setTimeout(() => void turn(), Math.max(this.restMs, 3 * took));
        figures.elapsedMs = performance.now() - started;
        this.report(figures);
        resolve(figures);
      };
      setImmediate(() => void turn());
    });
  }

  /**
   * One turn: the tasks in order, until the budget is spent or none is left; then a commit. On
   * SQLite the store answers at once, so a turn is one pass of the event loop; with a database
   * server it is its statements' round trips, its time (and so the next turn's rows) with them.
   */
  private async turn(pending: Array<{ name: string; steps: AsyncGenerator<void, void, void> }>): Promise<void> {
    this.budget.refill();
    while (pending.length > 0 && this.budget.left > 0) {
      const task = pending[0]!;
      try {
        if ((await task.steps.next()).done) pending.shift();
      } catch (error) {
        // A task that failed (a busy or broken store) is retried by the next sweep; the others go on.
        this.log.warn({ err: error, task: task.name }, 'a maintenance task failed; the next sweep tries again');
        pending.shift();
      }
    }
    try {
      await settled(this.store.commit());
    } catch (error) {
      this.log.warn({ err: error }, 'the maintenance sweep could not commit; the next sweep tries again');
      pending.length = 0;
    }
  }

  private report(figures: SweepFigures): void {
    if (figures.jobs + figures.events + figures.deltas === 0) return;
    const { jobs, events, deltas, turns } = figures;
    const busyMs = Math.round(figures.busyMs);
    const elapsedMs = Math.round(figures.elapsedMs);
    this.log.info({ jobs, events, deltas, turns, busyMs, elapsedMs }, 'maintenance sweep: finished jobs pruned and folded');
  }
}
