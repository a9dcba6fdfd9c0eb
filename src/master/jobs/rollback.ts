import type { JobRecord } from '../store/index.js';
import type { JobTimers } from './job-timers.js';
import type { NodePool } from './node-pool.js';

/** What a failed commit undid, comparing the unfinished jobs in memory with those in the store. */
export interface RolledBack {
  /** In memory but not in the store: created in the lost turn. */
  gone: JobRecord[];
  /** Unfinished in the store but otherwise (or not at all) in memory: their last change was lost. */
  back: Array<{ job: JobRecord; was: JobRecord | undefined }>;
}

export function rolledBack(memory: ReadonlyMap<number, JobRecord>, stored: readonly JobRecord[]): RolledBack {
  const storedIds = new Set(stored.map((job) => job.id));
  const gone = [...memory.values()].filter((job) => !storedIds.has(job.id));
  const back = stored
    .map((job) => ({ job, was: memory.get(job.id) }))
    .filter(({ job, was }) => was === undefined || was.status !== job.status || was.node !== job.node);
  return { gone, back };
}

/**
 * Puts the node slots and timers back as the store has them: a lost job frees its slot, a job whose
 * assignment was lost frees its node's, and a job out on a node (again) holds its slot and gets
 * what is left of its timeout.
 */
export function undo(lost: RolledBack, pool: NodePool, timers: JobTimers, onTimeout: (id: number) => void): void {
  for (const job of lost.gone) {
    pool.finish(job.node, job.id);
    timers.clearAll(job.id);
  }
  for (const { job, was } of lost.back) {
    if (was?.node !== undefined && was.node !== job.node) pool.finish(was.node, job.id);
    if (job.status === 'queued' || job.node === undefined) {
      timers.clearAll(job.id);
      continue;
    }
    pool.start(job.node, job.id);
    if (!timers.has('timeout', job.id)) timers.set('timeout', job.id, timeoutLeftMs(job, Date.now()), () => onTimeout(job.id));
  }
}

/** What is left of an assigned job's timeout (0 when it is overdue). */
export function timeoutLeftMs(job: JobRecord, nowMs: number): number {
  const since = Date.parse(job.assignedAt ?? job.createdAt);
  return Math.max(0, job.timeoutSec * 1000 - (nowMs - since));
}
