import type { JobRecord } from '../store/index.js';
import type { JobTimers } from './job-timers.js';
import type { NodePool, SlotView } from './node-pool.js';
import { withQuestionWaiting } from './question-waiting.js';

/**
 * Why queued jobs wait, and their queue timeouts. A reason is computed from the connected nodes
 * only when someone looks: dispatch, for the jobs it could not place (listeners hear of a reason
 * when it changes), and reads (`view`); never per event, and never for a job that was placed.
 */
export class Waiting {
  /** The reason last announced per queued job. */
  private readonly announced = new Map<number, string>();

  constructor(
    private readonly pool: NodePool,
    private readonly timers: JobTimers,
    /** A queued job's queue timeout ran out. */
    private readonly onTimeout: (jobId: number) => void,
    /** The nodes of the other masters sharing the queue (none alone). */
    private readonly others?: () => readonly SlotView[],
  ) {}

  private reason(job: JobRecord): string | undefined {
    return this.pool.waitingReason(job.target, this.others?.());
  }

  /** A job as readers see it: with `waiting` when it is queued for a reason, or running and waiting for an answer. */
  view(job: JobRecord): JobRecord {
    return job.status === 'queued' ? withWaiting(job, this.reason(job)) : withQuestionWaiting(job);
  }

  /** Dispatch could not place `job`: the job with its reason when that is news, else undefined. */
  changed(job: JobRecord): JobRecord | undefined {
    const reason = this.reason(job);
    if (reason === undefined || this.announced.get(job.id) === reason) return undefined;
    this.announced.set(job.id, reason);
    return withWaiting(job, reason);
  }

  /** Arms the job's queue timeout, if it has one, less what it has waited already. */
  arm(job: JobRecord, waitedMs = 0): void {
    if (job.queueTimeoutSec === undefined) return;
    this.timers.set('queue', job.id, Math.max(0, job.queueTimeoutSec * 1000 - waitedMs), () => this.onTimeout(job.id));
  }

  /** Arms the queue timeout of each queued job that has none running (after a reload). */
  rearm(queued: readonly JobRecord[]): void {
    for (const job of queued) if (!this.timers.has('queue', job.id)) this.arm(job);
  }

  /** The job left the queue (assigned or ended): its timeout and reason go. */
  left(jobId: number): void {
    this.timers.clear('queue', jobId);
    if (this.announced.size > 0) this.announced.delete(jobId);
  }

  /** Why a job whose queue timeout ran out failed: it never started, and why not. */
  timeoutError(job: JobRecord): string {
    const why = this.reason(job) ?? 'it was next in line';
    const what = job.attempt === 0 ? 'never started' : `not started again after attempt ${job.attempt}`;
    return `${what}: still queued after ${job.queueTimeoutSec ?? '?'} s; ${why}`;
  }

  clear(): void {
    this.announced.clear();
  }
}

/** `job` with `waiting` set; `Object.assign`, not a spread, for the reason `withChanges` gives. */
function withWaiting(job: JobRecord, waiting: string | undefined): JobRecord {
  return waiting === undefined ? job : Object.assign({}, job, { waiting });
}
