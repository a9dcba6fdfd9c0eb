import type { Logger } from '../../log/index.js';
import {
  FINAL_JOB_STATUSES,
  isoNow,
  type JobEvent,
  type JobEventsFrame,
  type JobSpec,
  type JobStatus,
  type SequencedJobEvent,
} from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Hub, JobChannel, ReadyNode } from '../hub/index.js';
import { withChanges, type EncodedJobEvent, type JobChanges, type JobFilter, type JobRecord, type JobStore, type NewJob } from '../store/index.js';
import { JobQueue } from './job-queue.js';
import { NodePool } from './node-pool.js';
import { JobTimers } from './job-timers.js';
import { closingEvents, type Ending, type FinalStatus } from './ending.js';
import { rolledBack, undo } from './rollback.js';
import type { JobRequest, JobServiceOptions, JobUpdate } from './types.js';

const ACTIVE: readonly JobStatus[] = ['assigned', 'running'];

/**
 * Jobs on the master: queueing, FIFO dispatch to matching nodes with free slots, event ingest
 * with cumulative acknowledgements, cancel, timeouts, and re-queueing when a node vanishes.
 * Every state change is written before anything is sent, and the store commits before any frame
 * or response leaves (see `TickTransaction`), so a master crash loses nothing.
 *
 * Unfinished jobs are mirrored in memory: the service is the store's only writer, and reading a
 * job back on every event, ack and dispatch was most of the master's cost per job (bench:jobs).
 */
export class JobService implements JobChannel {
  private readonly pool = new NodePool();
  private readonly timers = new JobTimers();
  private readonly listeners = new Set<(update: JobUpdate) => void>();
  /** Every job not in a final state, as stored. */
  private readonly active = new Map<number, JobRecord>();
  private readonly queue = new JobQueue();

  constructor(
    private readonly store: JobStore,
    private readonly hub: Pick<Hub, 'sendToNode'>,
    private readonly options: JobServiceOptions,
    private readonly log: Logger,
  ) {
    store.onCommitFailed(() => this.resync());
  }

  /** At start: jobs that were out on nodes wait for those nodes to come back and claim them. */
  recover(): void {
    for (const job of this.store.withStatus(['queued', ...ACTIVE])) {
      this.active.set(job.id, job);
      if (job.status === 'queued') this.queue.push(job.id);
      else this.armGrace(job);
    }
    this.dispatch();
  }

  /** After a failed commit memory is ahead of the store: take the unfinished jobs back from it. */
  private resync(): void {
    const stored = this.store.withStatus(['queued', ...ACTIVE]);
    const lost = rolledBack(this.active, stored);
    undo(lost, this.pool, this.timers, (id) => this.timeOut(id));
    this.active.clear();
    for (const job of stored) this.active.set(job.id, job);
    this.queue.reset(stored.filter((job) => job.status === 'queued').map((job) => job.id));
    for (const { job } of lost.back) this.notify(job, []);
    this.log.warn({ gone: lost.gone.length, changed: lost.back.length }, 'a commit failed: unfinished jobs reloaded from the store');
    this.dispatch();
  }

  create(request: JobRequest): JobRecord {
    const threadFrom = request.continueFrom === undefined ? undefined : this.get(request.continueFrom);
    if (threadFrom && !FINAL_JOB_STATUSES.has(threadFrom.status)) {
      throw new CodedError('conflict', `job ${threadFrom.id} is still ${threadFrom.status}; continue from it once it has finished`);
    }
    // A Codex thread lives in one node's CODEX_HOME: a follow-up goes back to that node.
    const node = request.node ?? threadFrom?.node;
    // Optional fields are set one by one, here and in `assign`: spreading them in took V8's slow path.
    const newJob: NewJob = {
      prompt: request.prompt,
      target: node === undefined ? { tags: request.tags ?? [] } : { node, tags: request.tags ?? [] },
      profile: request.profile ?? {},
      origin: request.origin,
      maxAttempts: this.options.maxAttempts,
      timeoutSec: request.timeoutSec ?? this.options.defaultTimeoutSec,
    };
    if (request.repo !== undefined) newJob.repo = request.repo;
    if (request.ref !== undefined) newJob.ref = request.ref;
    if (request.continueFrom !== undefined) newJob.continueFrom = request.continueFrom;
    const job = this.store.create(newJob, isoNow());
    this.log.info({ job: job.id, target: job.target, origin: job.origin.kind }, 'job queued');
    this.active.set(job.id, job);
    this.queue.push(job.id);
    this.notify(job, []);
    this.dispatch();
    return this.get(job.id);
  }

  get(id: number): JobRecord {
    const job = this.active.get(id) ?? this.store.get(id);
    if (!job) throw new CodedError('not_found', `no job ${id}`);
    return job;
  }

  list(filter: JobFilter): JobRecord[] {
    return this.store.list(filter);
  }

  events(id: number, afterSeq: number, limit: number): SequencedJobEvent[] {
    this.get(id);
    return this.store.events(id, afterSeq, limit);
  }

  /** `events` as JSON text, for streams that pass them on. */
  eventsJson(id: number, afterSeq: number, limit: number): EncodedJobEvent[] {
    this.get(id);
    return this.store.eventsJson(id, afterSeq, limit);
  }

  /** Makes every change so far durable: before telling anyone about it outside the hub. */
  commit(): void {
    this.store.commit();
  }

  /** Resolves once every change so far is durable, committed with the rest of this turn's. */
  whenCommitted(): Promise<void> {
    return this.store.whenCommitted();
  }

  /** Stops the timers; stored jobs are picked up again by `recover()` on the next start. */
  close(): void {
    this.timers.stop();
  }

  subscribe(listener: (update: JobUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels a job in any state but a final one: at once when queued, through its node otherwise. */
  cancel(id: number): JobRecord {
    const job = this.get(id);
    if (FINAL_JOB_STATUSES.has(job.status)) throw new CodedError('conflict', `job ${id} has already ${job.status === 'lost' ? 'been lost' : job.status}`);
    if (job.status === 'queued' || job.node === undefined) return this.finish(job, 'cancelled', { error: 'cancelled before it started' });
    if (!this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: id })) return this.finish(job, 'cancelled', { error: 'cancelled while its node was away' });
    this.timers.set('cancel', id, this.options.cancelWaitMs, () => {
      this.finish(this.get(id), 'cancelled', { error: `node ${job.node ?? '?'} did not confirm the cancel within ${this.options.cancelWaitMs / 1000} s` });
    });
    return job;
  }

  nodeReady(node: ReadyNode): void {
    const out = this.outOn(node.name);
    const claimed = new Set(node.runningJobs);
    // A node holds only what was handed to it: a claim of any other job (one that has ended, one
    // of another node's) takes no slot and keeps nothing.
    const kept = out.filter((job) => claimed.has(job.id));
    this.pool.add({ ...node, runningJobs: kept.map((job) => job.id) });
    for (const job of out) {
      if (claimed.has(job.id)) this.timers.clear('grace', job.id);
      else this.requeueOrLose(job, `node ${node.name} came back without it`);
    }
    this.dispatch();
  }

  nodeGone(name: string): void {
    this.pool.remove(name);
    for (const job of this.outOn(name)) this.armGrace(job);
  }

  jobEvents(nodeName: string, frame: JobEventsFrame): void {
    const job = this.active.get(frame.jobId);
    if (!job || job.node !== nodeName) {
      // Late events from a node the job was taken away from: acknowledge so it forgets them, and stop it.
      this.hub.sendToNode(nodeName, { type: 'job_ack', jobId: frame.jobId, seq: frame.events.at(-1)?.seq ?? 0 });
      if (job) this.hub.sendToNode(nodeName, { type: 'job_cancel', jobId: job.id });
      return;
    }
    const fresh = frame.events.filter((e) => e.seq > job.lastSeq);
    const stored = this.append(job, frame.events);
    this.hub.sendToNode(nodeName, { type: 'job_ack', jobId: job.id, seq: stored.lastSeq });
    this.advance(stored, fresh);
  }

  /** How many jobs wait for a node. */
  queuedCount(): number {
    return this.queue.length;
  }

  /** Ids of the jobs assigned to or running on a node, oldest first. */
  runningOn(nodeName: string): number[] {
    return this.outOn(nodeName).map((job) => job.id);
  }

  /** Jobs assigned to or running on a node (a snapshot: handling one may change the others). */
  private outOn(nodeName: string): JobRecord[] {
    return [...this.active.values()].filter((job) => ACTIVE.includes(job.status) && job.node === nodeName);
  }

  private advance(job: JobRecord, fresh: SequencedJobEvent[]): void {
    // A quick job's `started` and `finished` can arrive in one frame: then one write ends it.
    const startedAt = job.status === 'assigned' && fresh.some((e) => e.event.kind === 'started') ? isoNow() : undefined;
    const finished = fresh.find((e) => e.event.kind === 'finished')?.event;
    if (finished?.kind === 'finished') {
      this.finish(job, finished.result.status, { error: finished.result.error, result: finished.result, fresh, startedAt });
      return;
    }
    if (startedAt !== undefined) job = this.save(job, { status: 'running', startedAt });
    this.notify(job, fresh);
  }

  private dispatch(): void {
    if (this.queue.length === 0) return;
    // Once every slot is taken the rest of the queue is not looked at: a long queue costs nothing per job.
    this.queue.drain(
      () => this.pool.hasFreeSlot(),
      (id) => {
        const job = this.active.get(id);
        if (!job) return true;
        const node = this.pool.pick(job.target);
        return node !== undefined && this.assign(job, node);
      },
    );
  }

  /** Hands a job to a node; false when the node could not be reached (the job stays queued). */
  private assign(job: JobRecord, node: string): boolean {
    const threadId = job.continueFrom === undefined ? undefined : this.store.get(job.continueFrom)?.result?.threadId;
    const spec: JobSpec = { id: job.id, prompt: job.prompt, profile: job.profile, attempt: job.attempt + 1, nextSeq: job.lastSeq + 1 };
    if (job.repo !== undefined) spec.repo = job.repo;
    if (job.ref !== undefined) spec.ref = job.ref;
    if (threadId !== undefined) spec.threadId = threadId;
    if (!this.hub.sendToNode(node, { type: 'job_assign', job: spec })) return false;
    // Written in the same turn as the frame, and committed before the frame leaves.
    const assigned = this.save(job, { status: 'assigned', node, attempt: spec.attempt, assignedAt: isoNow() });
    this.pool.start(node, job.id);
    this.timers.set('timeout', job.id, job.timeoutSec * 1000, () => this.timeOut(job.id));
    this.log.info({ job: job.id, node, attempt: assigned.attempt }, 'job assigned');
    this.notify(assigned, []);
    return true;
  }

  private timeOut(id: number): void {
    const job = this.get(id);
    if (job.node !== undefined) this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: id });
    this.finish(job, 'failed', { error: `timed out after ${job.timeoutSec} s` });
  }

  private armGrace(job: JobRecord): void {
    this.timers.set('grace', job.id, this.options.requeueGraceMs, () => this.requeueOrLose(this.get(job.id), `node ${job.node ?? '?'} vanished`));
  }

  private requeueOrLose(job: JobRecord, reason: string): void {
    if (FINAL_JOB_STATUSES.has(job.status)) return;
    this.timers.clearAll(job.id);
    this.pool.finish(job.node, job.id);
    if (job.attempt >= job.maxAttempts) {
      this.finish(job, 'lost', { error: `${reason}; gave up after ${job.attempt} attempts` });
      return;
    }
    const events = this.sequence(job, [{ kind: 'log', level: 'warn', message: `${reason}; re-queued (attempt ${job.attempt + 1} of ${job.maxAttempts} next)` }]);
    const requeued = this.save(this.append(job, events), { status: 'queued', node: null, assignedAt: null, startedAt: null });
    this.queue.insert(job.id);
    this.log.warn({ job: job.id, reason }, 'job re-queued');
    this.notify(requeued, events);
    this.dispatch();
  }

  private finish(job: JobRecord, status: FinalStatus, { error, result, fresh = [], startedAt }: Ending = {}): JobRecord {
    this.timers.clearAll(job.id);
    if (job.status === 'queued') this.queue.remove(job.id);
    this.pool.finish(job.node, job.id);
    const at = isoNow();
    const closing = result ? [] : this.sequence(job, closingEvents(job, status, at, error));
    // Assigned one by one: object spreads of these varying shapes took V8's slow path.
    const changes: JobChanges = { status, finishedAt: at };
    if (startedAt !== undefined) changes.startedAt = startedAt;
    if (error !== undefined) changes.error = error;
    if (result) changes.result = result;
    const finished = this.save(closing.length > 0 ? this.append(job, closing) : job, changes);
    this.log.info({ job: job.id, status, error }, 'job finished');
    this.notify(finished, [...fresh, ...closing]);
    this.dispatch();
    return finished;
  }

  /** Numbers events the master records itself, after the job's last stored event. */
  private sequence(job: JobRecord, events: JobEvent[]): SequencedJobEvent[] {
    const at = isoNow();
    return events.map((event, i) => ({ seq: job.lastSeq + i + 1, at, event }));
  }

  /** Stores events and returns the job with its new `lastSeq`. */
  private append(job: JobRecord, events: readonly SequencedJobEvent[]): JobRecord {
    this.store.appendEvents(job.id, events);
    const lastSeq = events.reduce((highest, e) => Math.max(highest, e.seq), job.lastSeq);
    const next = lastSeq === job.lastSeq ? job : { ...job, lastSeq };
    this.active.set(job.id, next);
    return next;
  }

  /** Stores a state change and returns the job as it now is; a final job leaves memory. */
  private save(job: JobRecord, changes: JobChanges): JobRecord {
    this.store.update(job.id, changes);
    const next = withChanges(job, changes);
    if (FINAL_JOB_STATUSES.has(next.status)) this.active.delete(job.id);
    else this.active.set(job.id, next);
    return next;
  }

  private notify(job: JobRecord, events: SequencedJobEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener({ job, events });
      } catch (error) {
        this.log.error({ err: error }, 'job listener failed');
      }
    }
  }
}
