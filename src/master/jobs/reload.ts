import type { Logger } from '../../log/index.js';
import type { JobRecord } from '../store/index.js';
import type { Claims } from './claims.js';
import type { JobQueue } from './job-queue.js';
import type { JobTimers } from './job-timers.js';
import type { JobLedger, Unfinished } from './ledger.js';
import type { NodePool } from './node-pool.js';
import type { Questions } from './questions.js';
import { rolledBack, undo } from './rollback.js';
import type { Waiting } from './waiting.js';

/** The job service's memory, as a load of the unfinished jobs from the store sets it. */
export interface Memory {
  jobs: JobLedger;
  pool: NodePool;
  timers: JobTimers;
  queue: JobQueue;
  waiting: Waiting;
  questions: Questions;
  claims: Claims;
  log: Logger;
  /** Gives a job out on a node the time its node has to come back and claim it. */
  armGrace(job: JobRecord): void;
  /** What a job's timeout does. */
  timeOut(id: number): void;
}

/**
 * At start: jobs that were out on nodes wait for those nodes to come back and claim them, with what
 * is left of their timeouts; queued ones wait in the queue.
 */
export function restore(memory: Memory, stored: Unfinished): void {
  const { jobs, timers, queue, waiting, questions } = memory;
  jobs.replace(stored);
  for (const job of stored.jobs) {
    if (job.status !== 'queued') {
      memory.armGrace(job);
      // Its own timeout runs on from the assignment (a pause for a question before the restart is not known: it counts).
      timers.set('timeout', job.id, Math.max(0, job.timeoutSec * 1000 - (Date.now() - Date.parse(job.assignedAt ?? job.createdAt))), () => memory.timeOut(job.id));
    } else {
      queue.push(job.id);
      // A job that never left the queue has waited since it was made; a re-queued one waits anew.
      waiting.arm(job, job.attempt === 0 ? Date.now() - Date.parse(job.createdAt) : 0);
    }
  }
  questions.restore(stored.jobs);
}

/** After a failed commit: memory (slots, timers, queue, questions) put back as the store has the jobs. */
export function resynced(memory: Memory, stored: Unfinished): void {
  const { jobs, pool, timers, queue, waiting, questions, claims, log } = memory;
  const lost = rolledBack(jobs.active, stored.jobs);
  undo(lost, pool, timers, (id) => memory.timeOut(id));
  jobs.replace(stored);
  const queued = stored.jobs.filter((job) => job.status === 'queued');
  queue.reset(queued.map((job) => job.id));
  waiting.clear();
  waiting.rearm(queued);
  questions.restore(stored.jobs);
  claims.clear();
  for (const { job } of lost.back) jobs.notify(job, []);
  log.warn({ gone: lost.gone.length, changed: lost.back.length }, 'a commit failed: unfinished jobs reloaded from the store');
}
