import type { Commit } from './unit-of-work.js';
import type { SeqKind } from './delta-folding.js';

/** What the sweeper has done to a finished job's log (migration 0010's `jobs.log_state`). */
export const LOG_STATE = {
  /** As the node reported it. */
  whole: 0,
  /** The message deltas a complete message covers are gone. */
  folded: 1,
  /** Every event but the last is gone (`MASTER_EVENT_RETENTION_DAYS`). */
  pruned: 2,
} as const;
export type LogState = (typeof LOG_STATE)[keyof typeof LOG_STATE];

/** A finished job as the sweeper walks them: by when it ended, then by id. */
export interface EndedJob {
  id: number;
  finishedAt: string;
  logState: LogState;
}

/** Where a walk over finished jobs goes on from: after this job. */
export type EndedCursor = Pick<EndedJob, 'id' | 'finishedAt'>;

/**
 * What the maintenance sweeper does to finished jobs, in small steps: each call touches a bounded
 * number of rows, so that the master's other work never waits long behind one. Writes join the
 * current unit of work, as every other store write does; `commit()` ends it. Counts resolve
 * once the statement has run, before the unit of work is durable.
 */
export interface JobMaintenance {
  /** Finished jobs (final status) that ended before `before` (ISO), after `after`, oldest end first, at most `limit`. */
  endedBefore(before: string, after: EndedCursor | undefined, limit: number): Promise<EndedJob[]>;
  /** The job's highest stored seq (0: none). */
  lastSeq(jobId: number): Promise<number>;
  /** Up to `limit` of the job's events below `belowSeq`, newest first, as seq and kind. */
  eventKinds(jobId: number, belowSeq: number, limit: number): Promise<SeqKind[]>;
  /** Deletes these events of the job; returns how many there were. */
  deleteEventsAt(jobId: number, seqs: readonly number[]): Promise<number>;
  /** Deletes up to `limit` of the job's oldest events below `belowSeq`; returns how many. */
  deleteEventsBelow(jobId: number, belowSeq: number, limit: number): Promise<number>;
  setLogState(jobId: number, state: LogState): void;
  /** Forgets up to `limit` `Idempotency-Key`s made before `before`; returns how many. */
  deleteKeysBefore(before: string, limit: number): Promise<number>;
  /** Whether an unfinished job continues this one: it takes the Codex thread and branch from it when it is assigned. */
  continuedByUnfinished(jobId: number): Promise<boolean>;
  /**
   * Deletes a finished job whose events are gone, with its `Idempotency-Key`s, after clearing the
   * `continueFrom` of the finished jobs that continued it. Keeps it (false) while an unfinished job continues it.
   */
  deleteJob(jobId: number): Promise<boolean>;
  /** Ends the current unit of work now (see `Store.commit`). */
  commit(): Commit;
}
