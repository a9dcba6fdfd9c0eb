import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, isoNow, type JobEvent, type JobStatus, type SequencedJobEvent } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import { withChanges, type JobChanges, type JobRecord, type JobStore } from '../store/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { LoadGate } from './load-gate.js';
import { withQuestionWaiting } from './question-waiting.js';
import type { JobUpdate } from './types.js';

/** States of a job that is out on a node. */
export const OUT: readonly JobStatus[] = ['assigned', 'running'];

/** Every state but a final one. */
const UNFINISHED: readonly JobStatus[] = ['queued', ...OUT];

/**
 * What a watcher needs of a job another master changed, read back for it: `job` its record,
 * `events` the record and the events stored since the watchers were last told (undefined: nothing).
 */
export type JobInterest = 'job' | 'events';

/** Which of the other masters' jobs a watcher wants read back (see `JobLedger.watch`). */
export type Wants = (jobId: number) => JobInterest | undefined;

/** The unfinished jobs as the store has them, with the finished jobs they continue. */
export interface Unfinished {
  jobs: JobRecord[];
  /** Job id → the job it continues (`continueFrom`), for the follow-ups whose predecessor is still stored. */
  predecessors: Map<number, JobRecord>;
}

/**
 * The unfinished jobs, mirrored in memory, and every write to them: the job layer changes a job
 * only through here, so memory and store change together and listeners hear of each change.
 * Reading a job back from the store on every event, ack and dispatch was most of the master's
 * cost per job (bench:jobs); the mirror is never read back from the store but at start and after a
 * failed commit (`gate`). A follow-up's predecessor is kept beside it, so that assigning it reads
 * nothing either.
 */
export class JobLedger {
  /** Every job not in a final state, as stored. */
  readonly active = new Map<number, JobRecord>();
  /** Unfinished job id → the finished job it continues (its Codex thread and branch). */
  private readonly predecessors = new Map<number, JobRecord>();
  /** Updates of this master's own jobs (`subscribe`). */
  private readonly listeners = new Set<(update: JobUpdate) => void>();
  /** Updates of every job, this master's and the other masters' (`watch`), with what each wants read back. */
  private readonly watchers = new Map<(update: JobUpdate) => void, Wants | undefined>();
  /** Told of each final state of a job told to the listeners (other masters share the store: see `FleetJobs`). */
  private finalTold: ((job: JobRecord) => void) | undefined;

  constructor(
    private readonly store: JobStore,
    /** Readers wait while the mirror is being reloaded. */
    private readonly gate: Pick<LoadGate, 'opened'>,
    private readonly log: Logger,
    /** Other masters share the store: each write tells them (undefined alone: nothing to tell). */
    private readonly fleet?: Pick<Fleet, 'changed'>,
  ) {}

  /** A job, unfinished from memory, finished from the store (once a reload under way is done); `not_found` otherwise. */
  async find(id: number): Promise<JobRecord> {
    await this.gate.opened();
    const job = this.active.get(id) ?? (await this.store.get(id));
    // Memory wins: the job may have been taken in (created, reloaded) while the store answered.
    const current = this.active.get(id) ?? job;
    if (!current) throw new CodedError('not_found', `no job ${id}`);
    return current;
  }

  /** The store's unfinished jobs (or those in `statuses`), oldest first, with their predecessors. */
  async stored(statuses: readonly JobStatus[] = UNFINISHED): Promise<Unfinished> {
    const jobs = await this.store.withStatus(statuses);
    // Each predecessor read once, however many follow-ups continue it, all at once.
    const reads = new Map<number, Promise<JobRecord | undefined>>();
    for (const { continueFrom } of jobs) if (continueFrom !== undefined && !reads.has(continueFrom)) reads.set(continueFrom, this.store.get(continueFrom));
    const results = await Promise.all(reads.values());
    const found = new Map([...reads.keys()].map((id, i) => [id, results[i]]));
    const predecessors = new Map<number, JobRecord>();
    for (const job of jobs) {
      const predecessor = job.continueFrom === undefined ? undefined : found.get(job.continueFrom);
      if (predecessor) predecessors.set(job.id, predecessor);
    }
    return { jobs, predecessors };
  }

  /** Replaces the mirror with these jobs (the store's unfinished ones). */
  replace({ jobs, predecessors }: Unfinished): void {
    this.active.clear();
    this.predecessors.clear();
    for (const job of jobs) this.active.set(job.id, job);
    for (const [id, predecessor] of predecessors) this.predecessors.set(id, predecessor);
  }

  /** Takes a job the store has just made into memory, with the job it continues. */
  admit(job: JobRecord, predecessor: JobRecord | undefined): void {
    this.active.set(job.id, job);
    if (predecessor) this.predecessors.set(job.id, predecessor);
  }

  /**
   * Drops a job from memory without writing anything: it is another master's now (or finished
   * there). Returns the job as it was held, if it was.
   */
  forget(id: number): JobRecord | undefined {
    const job = this.active.get(id);
    this.active.delete(id);
    this.predecessors.delete(id);
    return job;
  }

  /**
   * Takes in an assignment the store has made already (a claim that won, see `Fleet.claim`):
   * memory changes, the store is not written again, the other masters hear of it.
   */
  claimed(job: JobRecord, changes: JobChanges): JobRecord {
    const next = withChanges(job, changes);
    this.active.set(job.id, next);
    this.fleet?.changed(job.id, next.status);
    return next;
  }

  /** Tells the other masters that a job changed (one made here, taken in here; `status` after the change, if known). */
  changed(id: number, status?: JobStatus): void {
    this.fleet?.changed(id, status);
  }

  /** The finished job an unfinished one continues, as loaded with it. */
  predecessorOf(job: JobRecord): JobRecord | undefined {
    return job.continueFrom === undefined ? undefined : this.predecessors.get(job.id);
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
    if (lastSeq === job.lastSeq) {
      this.active.set(job.id, job);
      return job;
    }
    const next = { ...job, lastSeq };
    this.active.set(job.id, next);
    if (this.fleet !== undefined) this.fleet.changed(job.id, next.status);
    return next;
  }

  /** Stores a state change and returns the job as it now is; a final job leaves memory. */
  save(job: JobRecord, changes: JobChanges): JobRecord {
    this.store.update(job.id, changes);
    const next = withChanges(job, changes);
    if (this.fleet !== undefined) this.fleet.changed(job.id, next.status);
    if (FINAL_JOB_STATUSES.has(next.status)) {
      this.active.delete(job.id);
      this.predecessors.delete(job.id);
    } else this.active.set(job.id, next);
    return next;
  }

  /** Updates of this master's own jobs. */
  subscribe(listener: (update: JobUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Updates of every job: this master's own and, as they are read back, the other masters'. A
   * job out on another master's node is read back only for a watcher that `wants` it (`wanted`);
   * without `wants`, a watcher hears what was read for the others and the jobs held here.
   */
  watch(listener: (update: JobUpdate) => void, wants?: Wants): () => void {
    this.watchers.set(listener, wants);
    return () => this.watchers.delete(listener);
  }

  /** What the watchers want read back of a job another master changed: the most any of them wants. */
  wanted(id: number): JobInterest | undefined {
    let most: JobInterest | undefined;
    for (const wants of this.watchers.values()) {
      const interest = wants?.(id);
      if (interest === 'events') return interest;
      most ??= interest;
    }
    return most;
  }

  /**
   * Tells every listener and watcher, the job as readers see it (a running one says when it waits
   * for an answer); one that throws is logged and does not stop the others.
   */
  notify(job: JobRecord, events: SequencedJobEvent[]): void {
    const update = { job: withQuestionWaiting(job), events };
    for (const listener of this.listeners) this.tell(listener, update);
    for (const watcher of this.watchers.keys()) this.tell(watcher, update);
    if (this.finalTold !== undefined && FINAL_JOB_STATUSES.has(job.status)) this.finalTold(job);
  }

  /** Calls `listener` with every final state `notify` tells of. */
  onFinalTold(listener: (job: JobRecord) => void): void {
    this.finalTold = listener;
  }

  /** Tells the watchers alone of a job another master changed (as the store has it now, with the events since last told). */
  notifyWatchers(job: JobRecord, events: SequencedJobEvent[]): void {
    const update = { job: withQuestionWaiting(job), events };
    for (const watcher of this.watchers.keys()) this.tell(watcher, update);
  }

  private tell(listener: (update: JobUpdate) => void, update: JobUpdate): void {
    try {
      listener(update);
    } catch (error) {
      this.log.error({ err: error }, 'job listener failed');
    }
  }
}
