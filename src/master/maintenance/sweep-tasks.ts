import { coveredDeltas, LOG_STATE, type EndedCursor, type EndedJob, type JobMaintenance } from '../store/index.js';

/** Rows a turn touches at least, however slow the last one was: the sweep always moves on. */
const MIN_ROWS = 50;

/**
 * Rows one event-loop turn of the sweeper may touch (read or delete), and for how long. Tasks
 * spend it and yield once it is gone; the sweeper refills it for the next turn. On a slow disk or
 * a busy CPU a full batch takes many times longer: the time limit cuts the work short, and
 * `settle` sizes the next batch by how long the last turn took with its commit.
 */
export class Budget {
  left = 0;
  private rows: number;
  private deadline = 0;

  constructor(
    readonly perTurn: number,
    private readonly turnMs: number,
  ) {
    this.rows = perTurn;
  }

  refill(): void {
    this.left = this.rows;
    this.deadline = performance.now() + this.turnMs;
  }

  /** After a turn that took `tookMs` in all: the next one gets as many rows as fit in `turnMs`, at most `perTurn`. */
  settle(tookMs: number): void {
    const fitting = Math.round((this.rows * this.turnMs) / Math.max(tookMs, 0.01));
    this.rows = Math.max(MIN_ROWS, Math.min(this.perTurn, fitting));
  }

  spend(rows: number): void {
    this.left = performance.now() >= this.deadline ? 0 : this.left - rows;
  }
}

/** What a sweep removed. */
export interface Removed {
  jobs: number;
  /** Events deleted with their jobs or by event retention. */
  events: number;
  /** Message deltas folded away. */
  deltas: number;
}

/**
 * One kind of clean-up, as a generator that yields whenever its budget for the turn is spent (the
 * sweeper resumes it on a later turn) and returns once nothing is left to do before its cutoff.
 * Asynchronous, as the store's reads and deletes are: a turn is its steps and their awaits.
 */
export type SweepTask = (budget: Budget, removed: Removed) => AsyncGenerator<void, void, void>;

/** Jobs per query of the walk over finished jobs. */
const JOB_PAGE = 200;
/** Past every seq: "all of the job's events". */
const ALL = Number.MAX_SAFE_INTEGER;

/**
 * Visits the finished jobs that ended before `before`, oldest end first, from `cursor` on (which it
 * moves past each job it hands out, so a later walk goes on where this one stopped), pausing
 * whenever the budget runs out.
 */
async function* eachEnded(store: JobMaintenance, before: string, cursor: { at?: EndedCursor }, budget: Budget, visit: (job: EndedJob) => AsyncGenerator<void, void, void>): AsyncGenerator<void, void, void> {
  for (;;) {
    if (budget.left <= 0) yield;
    const page = await store.endedBefore(before, cursor.at, Math.min(JOB_PAGE, Math.max(1, budget.left)));
    budget.spend(page.length);
    if (page.length === 0) return;
    for (const job of page) {
      cursor.at = { id: job.id, finishedAt: job.finishedAt };
      yield* visit(job);
    }
  }
}

/** Deletes the job's events below `belowSeq`, a budget's worth per turn; returns how many. */
async function* deleteEvents(store: JobMaintenance, jobId: number, belowSeq: number, budget: Budget): AsyncGenerator<void, number, void> {
  let deleted = 0;
  for (;;) {
    if (budget.left <= 0) yield;
    const asked = budget.left;
    const n = await store.deleteEventsBelow(jobId, belowSeq, asked);
    budget.spend(Math.max(1, n));
    deleted += n;
    if (n < asked) return deleted;
  }
}

/**
 * `MASTER_RETENTION_DAYS`: deletes finished jobs that ended before `before` with their events and
 * `Idempotency-Key`s (keys are made with their jobs, so those of these jobs are older still);
 * finished jobs that continued one forget it (`continueFrom` cleared). The walk starts over every
 * sweep: a job kept because an unfinished one continues it is taken once that one has finished.
 */
export function pruneJobs(store: JobMaintenance, before: () => string): SweepTask {
  return async function* (budget, removed) {
    const cutoff = before();
    for (;;) {
      if (budget.left <= 0) yield;
      const asked = budget.left;
      const n = await store.deleteKeysBefore(cutoff, asked);
      budget.spend(Math.max(1, n));
      if (n < asked) break;
    }
    yield* eachEnded(store, cutoff, {}, budget, async function* (job) {
      budget.spend(1);
      // Kept whole until its follow-up has run: the next sweep after that takes it.
      if (await store.continuedByUnfinished(job.id)) return;
      removed.events += yield* deleteEvents(store, job.id, ALL, budget);
      if (await store.deleteJob(job.id)) removed.jobs++;
    });
  };
}

/**
 * `MASTER_EVENT_RETENTION_DAYS`: deletes every event but the last (its `finished`, so the log
 * still says how it ended and `lastSeq` keeps its number) of finished jobs that ended before `before`.
 */
export function pruneEvents(store: JobMaintenance, before: () => string): SweepTask {
  const cursor: { at?: EndedCursor } = {};
  return async function* (budget, removed) {
    yield* eachEnded(store, before(), cursor, budget, async function* (job) {
      if (job.logState === LOG_STATE.pruned) return;
      removed.events += yield* deleteEvents(store, job.id, await store.lastSeq(job.id), budget);
      store.setLogState(job.id, LOG_STATE.pruned);
    });
  };
}

/**
 * Folds one job: walks its log from the newest event down, a page per budget, and deletes the
 * deltas a later complete message covers (`coveredDeltas`). Backwards, because what decides a
 * delta comes after it: the nearest later message or `started` is carried from page to page.
 */
async function* foldJob(store: JobMaintenance, jobId: number, budget: Budget): AsyncGenerator<void, number, void> {
  let below = ALL;
  let next: string | undefined;
  let folded = 0;
  for (;;) {
    if (budget.left <= 0) yield;
    const asked = Math.max(1, Math.floor(budget.left / 2));
    const page = (await store.eventKinds(jobId, below, asked)).reverse();
    const judged = next === undefined ? page : [...page, { seq: ALL, kind: next }];
    const covered = [...coveredDeltas(judged)];
    folded += await store.deleteEventsAt(jobId, covered);
    budget.spend(page.length + covered.length);
    next = page.find((e) => e.kind === 'agent_message' || e.kind === 'started')?.kind ?? next;
    if (page.length < asked) return folded;
    below = page[0]?.seq ?? 0;
  }
}

/** Delta folding: the covered deltas of finished jobs that ended before `before`, each job once (0010's `log_state`). */
export function foldDeltas(store: JobMaintenance, before: () => string): SweepTask {
  const cursor: { at?: EndedCursor } = {};
  return async function* (budget, removed) {
    yield* eachEnded(store, before(), cursor, budget, async function* (job) {
      if (job.logState !== LOG_STATE.whole) return;
      removed.deltas += yield* foldJob(store, job.id, budget);
      store.setLogState(job.id, LOG_STATE.folded);
    });
  };
}
