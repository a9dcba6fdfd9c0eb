import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, isoNow, type JobEvent, type JobStatus, type SequencedJobEvent } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import { withChanges, type JobChanges, type JobRecord, type JobStore } from '../store/index.js';
import { withQuestionWaiting } from './question-waiting.js';
import type { JobUpdate } from './types.js';

/** States of a job that is out on a node. */
export const OUT: readonly JobStatus[] = ['assigned', 'running'];

/**
 * The unfinished jobs, mirrored in memory, and every write to them: `JobService` changes a job
 * only through here, so memory and store change together and listeners hear of each change.
 * Reading a job back from the store on every event, ack and dispatch was most of the master's
 * cost per job (bench:jobs); the mirror is never read back from the store but after a failed commit.
 */
export class JobLedger {
  /** Every job not in a final state, as stored. */
  readonly active = new Map<number, JobRecord>();
  private readonly listeners = new Set<(update: JobUpdate) => void>();

  constructor(
    private readonly store: JobStore,
    private readonly log: Logger,
  ) {}

  /** A job, unfinished from memory, finished from the store; `not_found` otherwise. */
  get(id: number): JobRecord {
    const job = this.active.get(id) ?? this.store.get(id);
    if (!job) throw new CodedError('not_found', `no job ${id}`);
    return job;
  }

  /** The store's unfinished jobs, oldest first. */
  stored(): JobRecord[] {
    return this.store.withStatus(['queued', ...OUT]);
  }

  /** Replaces the mirror with these jobs (the store's unfinished ones). */
  replace(jobs: readonly JobRecord[]): void {
    this.active.clear();
    for (const job of jobs) this.active.set(job.id, job);
  }

  /** Jobs assigned to or running on a node (a snapshot: handling one may change the others). */
  outOn(nodeName: string): JobRecord[] {
    return [...this.active.values()].filter((job) => OUT.includes(job.status) && job.node === nodeName);
  }

  /** Numbers events the master records itself, after the job's last stored event. */
  sequence(job: JobRecord, events: JobEvent[]): SequencedJobEvent[] {
    const at = isoNow();
    return events.map((event, i) => ({ seq: job.lastSeq + i + 1, at, event }));
  }

  /** Stores events and returns the job with its new `lastSeq`. */
  append(job: JobRecord, events: readonly SequencedJobEvent[]): JobRecord {
    this.store.appendEvents(job.id, events);
    const lastSeq = events.reduce((highest, e) => Math.max(highest, e.seq), job.lastSeq);
    const next = lastSeq === job.lastSeq ? job : { ...job, lastSeq };
    this.active.set(job.id, next);
    return next;
  }

  /** Stores a state change and returns the job as it now is; a final job leaves memory. */
  save(job: JobRecord, changes: JobChanges): JobRecord {
    this.store.update(job.id, changes);
    const next = withChanges(job, changes);
    if (FINAL_JOB_STATUSES.has(next.status)) this.active.delete(job.id);
    else this.active.set(job.id, next);
    return next;
  }

  subscribe(listener: (update: JobUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells every listener, the job as readers see it (a running one says when it waits for an
   * answer); one that throws is logged and does not stop the others.
   */
  notify(job: JobRecord, events: SequencedJobEvent[]): void {
    const shown = withQuestionWaiting(job);
    for (const listener of this.listeners) {
      try {
        listener({ job: shown, events });
      } catch (error) {
        this.log.error({ err: error }, 'job listener failed');
      }
    }
  }
}
