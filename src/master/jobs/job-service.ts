import type { Logger } from '../../log/index.js';
import { DEFAULT_APPROVAL_TIMEOUT_SEC, FINAL_JOB_STATUSES, isoNow, type JobEventsFrame, type JobPublishedFrame, type SequencedJobEvent } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Hub, JobChannel, ReadyNode } from '../hub/index.js';
import type { EncodedJobEvent, JobFilter, JobRecord, JobStore } from '../store/index.js';
import { Claims } from './claims.js';
import { closingEvents, finalChanges, type Ending, type FinalStatus } from './ending.js';
import { IdempotencyKeys, type IdempotencyKey } from './idempotency.js';
import { assembleDiff, type JobDiff } from './job-diff.js';
import { JobQueue } from './job-queue.js';
import { JobTimers } from './job-timers.js';
import { JobLedger } from './ledger.js';
import { newJobFor, nextAttempt } from './new-job.js';
import { NodePool } from './node-pool.js';
import { Publisher } from './publisher.js';
import { Questions } from './questions.js';
import { rolledBack, undo } from './rollback.js';
import type { JobRequest, JobServiceOptions, JobUpdate } from './types.js';
import { Waiting } from './waiting.js';

/**
 * Jobs on the master: queueing, FIFO dispatch to matching nodes with free slots, event ingest
 * with cumulative acknowledgements, cancel, timeouts, and re-queueing when a node vanishes.
 * Every state change is written before anything is sent, and the store commits before any frame
 * or response leaves (see `TickTransaction`), so a master crash loses nothing. Only the current
 * attempt of a job, on the job's node, is stored: every other copy is told to stop (`Claims`).
 * Unfinished jobs are mirrored in memory (`JobLedger`).
 */
export class JobService implements JobChannel {
  private readonly pool = new NodePool();
  private readonly timers = new JobTimers();
  private readonly queue = new JobQueue();
  private readonly jobs: JobLedger;
  private readonly claims: Claims;
  private readonly keys: IdempotencyKeys;
  /** Publishing finished jobs' changes afterwards, through the nodes that hold their branches. */
  readonly publisher: Publisher;
  /** Codex's questions of the running jobs and their answers. */
  readonly questions: Questions;
  private readonly waiting = new Waiting(this.pool, this.timers, (id) => this.queueTimedOut(id));

  constructor(
    private readonly store: JobStore,
    private readonly hub: Pick<Hub, 'sendToNode'>,
    private readonly options: JobServiceOptions,
    private readonly log: Logger,
  ) {
    this.jobs = new JobLedger(store, log);
    this.claims = new Claims(hub, (id) => store.get(id), log);
    this.keys = new IdempotencyKeys(store);
    this.publisher = new Publisher(this.jobs, hub, log);
    this.questions = new Questions(this.jobs, this.timers, hub, options.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC, log);
    store.onCommitFailed(() => this.resync());
  }

  /** At start: jobs that were out on nodes wait for those nodes to come back and claim them. */
  recover(): void {
    const stored = this.jobs.stored();
    this.jobs.replace(stored);
    for (const job of stored) {
      if (job.status !== 'queued') {
        this.armGrace(job);
        // Its own timeout runs on from the assignment (a pause for a question before the restart is not known: it counts).
        this.timers.set('timeout', job.id, Math.max(0, job.timeoutSec * 1000 - (Date.now() - Date.parse(job.assignedAt ?? job.createdAt))), () => this.timeOut(job.id));
      } else {
        this.queue.push(job.id);
        // A job that never left the queue has waited since it was made; a re-queued one waits anew.
        this.waiting.arm(job, job.attempt === 0 ? Date.now() - Date.parse(job.createdAt) : 0);
      }
    }
    this.questions.restore(stored);
    this.dispatch();
  }

  /** After a failed commit memory is ahead of the store: take the unfinished jobs back from it. */
  private resync(): void {
    const stored = this.jobs.stored();
    const lost = rolledBack(this.jobs.active, stored);
    undo(lost, this.pool, this.timers, (id) => this.timeOut(id));
    this.jobs.replace(stored);
    const queued = stored.filter((job) => job.status === 'queued');
    this.queue.reset(queued.map((job) => job.id));
    this.waiting.clear();
    this.waiting.rearm(queued);
    this.questions.restore(stored);
    this.claims.clear();
    for (const { job } of lost.back) this.jobs.notify(job, []);
    this.log.warn({ gone: lost.gone.length, changed: lost.back.length }, 'a commit failed: unfinished jobs reloaded from the store');
    this.dispatch();
  }

  /** Queues a job and dispatches it if a node can take it; returns it as `show` does. */
  create(request: JobRequest): JobRecord {
    const threadFrom = request.continueFrom === undefined ? undefined : this.get(request.continueFrom);
    if (threadFrom && !FINAL_JOB_STATUSES.has(threadFrom.status)) {
      throw new CodedError('conflict', `job ${threadFrom.id} is still ${threadFrom.status}; continue from it once it has finished`);
    }
    const job = this.store.create(newJobFor(request, this.options, threadFrom), isoNow());
    this.log.info({ job: job.id, target: job.target, origin: job.origin.kind }, 'job queued');
    this.jobs.active.set(job.id, job);
    this.queue.push(job.id);
    this.waiting.arm(job);
    this.jobs.notify(job, []);
    this.dispatch();
    return this.show(job.id);
  }

  /** `create` (or `make`) once per `Idempotency-Key` within 24 h (see `IdempotencyKeys.once`). */
  createOnce(request: JobRequest, idempotency: IdempotencyKey, make = () => this.create(request)): { job: JobRecord; created: boolean } {
    return this.keys.once(idempotency, make, (id) => this.show(id));
  }

  /** A job as the service holds it; `not_found` when there is none. */
  get = (id: number): JobRecord => this.jobs.get(id);

  /** A job for readers: a queued one says why it waits (`waiting`), from the nodes connected now. */
  show(id: number): JobRecord {
    return this.waiting.view(this.get(id));
  }

  /** Newest first, each as `show` gives it. */
  list(filter: JobFilter): JobRecord[] {
    return this.store.list(filter).map((job) => this.waiting.view(job));
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

  /** The job's unified diff, from its `diff` events (see `assembleDiff`). */
  diff(id: number): JobDiff {
    return assembleDiff(this.get(id), this.store.diffParts(id));
  }

  jobPublished = (nodeName: string, frame: JobPublishedFrame): void => this.publisher.answered(nodeName, frame);

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
    this.publisher.close();
  }

  subscribe(listener: (update: JobUpdate) => void): () => void {
    return this.jobs.subscribe(listener);
  }

  /** Cancels a job in any state but a final one: at once when queued, through its node otherwise. */
  cancel(id: number): JobRecord {
    const job = this.get(id);
    if (FINAL_JOB_STATUSES.has(job.status)) throw new CodedError('conflict', `job ${id} has already ${job.status === 'lost' ? 'been lost' : job.status}`);
    if (job.status === 'queued' || job.node === undefined) return this.finish(job, 'cancelled', { error: 'cancelled before it started' });
    // No reason: a plain cancel, which the node confirms with a `finished` event.
    if (!this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: id })) return this.finish(job, 'cancelled', { error: 'cancelled while its node was away' });
    this.timers.set('cancel', id, this.options.cancelWaitMs, () => {
      this.finish(this.get(id), 'cancelled', { error: `node ${job.node ?? '?'} did not confirm the cancel within ${this.options.cancelWaitMs / 1000} s` });
    });
    return job;
  }

  nodeReady(node: ReadyNode): void {
    const out = this.jobs.outOn(node.name);
    const claimed = new Set(node.runningJobs);
    // A node holds only what was handed to it: a claim of any other job (one that has ended, one
    // of another node's, a re-queued one) takes no slot, keeps nothing, and is told to stop.
    const kept = out.filter((job) => claimed.has(job.id)).map((job) => job.id);
    // Answered before anything here can dispatch: the job_assign of a new attempt of a claimed
    // job must reach the node after the job_cancel of its old copy, never before.
    this.claims.refuseClaims(node.name, claimed, new Set(kept), this.jobs.active);
    this.pool.add({ ...node, runningJobs: kept });
    for (const job of out) {
      if (claimed.has(job.id)) this.timers.clear('grace', job.id);
      else this.requeueOrLose(job, `node ${node.name} came back without it`);
    }
    this.questions.nodeReady(node.name, out.filter((job) => claimed.has(job.id)));
    this.dispatch();
  }

  nodeGone(name: string): void {
    this.pool.remove(name);
    this.publisher.nodeGone(name);
    for (const job of this.jobs.outOn(name)) this.armGrace(job);
    // Nothing can be assigned anew, but the queued jobs' waiting reasons may have changed.
    this.dispatch();
  }

  jobEvents(nodeName: string, frame: JobEventsFrame): void {
    const job = this.jobs.active.get(frame.jobId);
    // A frame without `attempt` (a node older than attempts) is judged by its node alone.
    if (!job || job.node !== nodeName || (frame.attempt !== undefined && frame.attempt !== job.attempt)) {
      this.claims.refuseEvents(nodeName, frame, job);
      return;
    }
    const fresh = frame.events.filter((e) => e.seq > job.lastSeq);
    const stored = this.questions.ingest(this.jobs.append(job, frame.events), fresh);
    this.hub.sendToNode(nodeName, { type: 'job_ack', jobId: job.id, seq: stored.lastSeq });
    this.advance(stored, fresh);
  }

  /** How many jobs wait for a node. */
  queuedCount = (): number => this.queue.length;

  /** The unfinished jobs as held in memory (a live view: read it at once, do not keep it). */
  unfinished = (): IterableIterator<JobRecord> => this.jobs.active.values();

  /** Ids of the jobs assigned to or running on a node, oldest first. */
  runningOn = (nodeName: string): number[] => this.jobs.outOn(nodeName).map((job) => job.id);

  private advance(job: JobRecord, fresh: SequencedJobEvent[]): void {
    // A quick job's `started` and `finished` can arrive in one frame: then one write ends it.
    const startedAt = job.status === 'assigned' && fresh.some((e) => e.event.kind === 'started') ? isoNow() : undefined;
    const finished = fresh.find((e) => e.event.kind === 'finished')?.event;
    if (finished?.kind === 'finished') {
      this.finish(job, finished.result.status, { error: finished.result.error, result: finished.result, fresh, startedAt });
      return;
    }
    if (startedAt !== undefined) job = this.jobs.save(job, { status: 'running', startedAt });
    this.jobs.notify(job, fresh);
  }

  private dispatch(): void {
    if (this.queue.length === 0) return;
    // Once every slot is taken the rest of the queue is not looked at: a long queue costs nothing per job.
    this.queue.drain(
      () => this.pool.hasFreeSlot(),
      (id) => {
        const job = this.jobs.active.get(id);
        if (!job) return true;
        const node = this.pool.pick(job.target);
        if (node !== undefined && this.assign(job, node)) return true;
        const waiting = this.waiting.changed(job);
        if (waiting) this.jobs.notify(waiting, []);
        return false;
      },
    );
  }

  /** Hands a job to a node; false when the node could not be reached (the job stays queued). */
  private assign(job: JobRecord, node: string): boolean {
    const spec = nextAttempt(job, job.continueFrom === undefined ? undefined : this.store.get(job.continueFrom));
    if (!this.hub.sendToNode(node, { type: 'job_assign', job: spec })) return false;
    this.options.onAssigned?.(node, spec);
    // Written in the same turn as the frame, and committed before the frame leaves.
    const assigned = this.jobs.save(job, { status: 'assigned', node, attempt: spec.attempt, assignedAt: isoNow() });
    this.pool.start(node, job.id);
    this.waiting.left(job.id);
    this.timers.set('timeout', job.id, job.timeoutSec * 1000, () => this.timeOut(job.id));
    this.log.info({ job: job.id, node, attempt: assigned.attempt }, 'job assigned');
    this.jobs.notify(assigned, []);
    return true;
  }

  /** Ends an unfinished job at once (timed out, over budget): the master records the end, its node is told to stop. */
  stop(id: number, status: FinalStatus, error: string): void {
    const job = this.get(id);
    if (FINAL_JOB_STATUSES.has(job.status)) return;
    // `ended`, not a cancel: the master records the end now, so the node's own would be refused.
    if (job.node !== undefined) this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: id, reason: 'ended', message: `job ${id} ${error}` });
    this.finish(job, status, { error });
  }

  private timeOut(id: number): void {
    this.stop(id, 'failed', `timed out after ${this.get(id).timeoutSec} s`);
  }

  private queueTimedOut(id: number): void {
    const job = this.get(id);
    if (job.status === 'queued') this.finish(job, 'failed', { error: this.waiting.timeoutError(job) });
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
    const events = this.jobs.sequence(job, [{ kind: 'log', level: 'warn', message: `${reason}; re-queued (attempt ${job.attempt + 1} of ${job.maxAttempts} next)` }]);
    this.claims.takenBack(job);
    const requeued = this.jobs.save(this.jobs.append(job, events), this.questions.ended(job, { status: 'queued', node: null, assignedAt: null, startedAt: null }));
    this.queue.insert(job.id);
    this.waiting.arm(requeued);
    this.log.warn({ job: job.id, reason }, 'job re-queued');
    this.jobs.notify(requeued, events);
    this.dispatch();
  }

  private finish(job: JobRecord, status: FinalStatus, { error, result, fresh = [], startedAt }: Ending = {}): JobRecord {
    this.timers.clearAll(job.id);
    if (job.status === 'queued') {
      this.queue.remove(job.id);
      this.waiting.left(job.id);
    }
    this.pool.finish(job.node, job.id);
    this.claims.ended(job.id);
    const at = isoNow();
    const closing = result ? [] : this.jobs.sequence(job, closingEvents(job, status, at, error));
    const changes = this.questions.ended(job, finalChanges(status, at, { error, result, startedAt }));
    const finished = this.jobs.save(closing.length > 0 ? this.jobs.append(job, closing) : job, changes);
    this.log.info({ job: job.id, status, error }, 'job finished');
    this.jobs.notify(finished, [...fresh, ...closing]);
    this.dispatch();
    return finished;
  }
}
