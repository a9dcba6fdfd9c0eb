import type { Logger } from '../../log/index.js';
import { DEFAULT_APPROVAL_TIMEOUT_SEC, FINAL_JOB_STATUSES, isoNow, type JobEventsFrame, type SequencedJobEvent } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Hub, ReadyNode } from '../hub/index.js';
import type { JobRecord, JobStore } from '../store/index.js';
import { Claims } from './claims.js';
import { closingEvents, finalChanges, type Ending, type FinalStatus } from './ending.js';
import type { EngineParts } from './engine-parts.js';
import { FleetJobs } from './fleet-jobs.js';
import { JobQueue } from './job-queue.js';
import { JobTimers } from './job-timers.js';
import { JobLedger } from './ledger.js';
import { LoadGate } from './load-gate.js';
import { nextAttempt } from './new-job.js';
import { NodePool } from './node-pool.js';
import { Questions } from './questions.js';
import { restore, resynced, type Memory } from './reload.js';
import type { JobServiceOptions } from './types.js';
import { Waiting } from './waiting.js';

/**
 * The unfinished jobs at work, in memory and synchronously: dispatch to matching nodes with free
 * slots, event ingest with cumulative acknowledgements, cancels, timeouts, and re-queueing when a
 * node vanishes. Nothing here waits for the store (whose reads are asynchronous): every change is
 * written as it is made (`JobLedger`) and committed before the frames that announce it leave. Only
 * loading the jobs (at start, after a failed commit) reads, behind the `gate`, which holds this
 * work meanwhile.
 */
export class JobEngine {
  private readonly pool = new NodePool();
  private readonly timers = new JobTimers();
  private readonly queue = new JobQueue((id) => this.jobs.active.get(id)?.createdAt);
  private readonly claims: Claims;
  private readonly waiting: Waiting;
  /** Other masters share the store and the queue (undefined alone: see `FleetJobs`). */
  readonly shared: FleetJobs | undefined;
  /** Holds the work on jobs while they are (re)loaded from the store (see `LoadGate`). */
  readonly gate: LoadGate;
  readonly jobs: JobLedger;
  /** Codex's questions of the running jobs and their answers. */
  readonly questions: Questions;
  /** What a load from the store sets (`restore`, `resynced`). */
  private readonly memory: Memory;

  constructor(
    store: JobStore,
    private readonly hub: Pick<Hub, 'sendToNode'>,
    private readonly options: JobServiceOptions,
    private readonly log: Logger,
    fleet?: Fleet,
  ) {
    const shared = fleet?.shared === true ? fleet : undefined;
    this.gate = new LoadGate({ hold: () => this.timers.hold(), release: () => this.released() }, log);
    this.jobs = new JobLedger(store, this.gate, log, shared);
    this.waiting = new Waiting(this.pool, this.timers, (id) => this.queueTimedOut(id), shared && (() => this.shared?.others() ?? []));
    this.claims = new Claims(hub, (id) => store.get(id), log);
    this.questions = new Questions(this.jobs, this.timers, hub, options.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC, log);
    const { jobs, pool, timers, queue, waiting, questions, claims } = this;
    this.memory = { jobs, pool, timers, queue, waiting, questions, claims, log, armGrace: (job) => this.armGrace(job), timeOut: (id) => this.timeOut(id) };
    this.shared = shared && new FleetJobs(shared, this.parts(store));
  }

  /**
   * At start: loads the unfinished jobs (see `restore`); what comes meanwhile waits for them. With
   * other masters only the queued ones: the jobs out on nodes are their owners', or come here as
   * orphans or adopted with their nodes.
   */
  async recover(): Promise<void> {
    await this.gate.reload(() => this.jobs.stored(this.shared ? ['queued'] : undefined), (stored) => restore(this.memory, stored), false);
    this.shared?.start();
  }

  /**
   * After a failed commit memory is ahead of the store: the unfinished jobs are read back from it.
   * Until they are, the gate holds everything that would act on memory (the hub's calls, timers,
   * stops, a create's admission; readers wait) and nothing dispatches; then memory is replaced
   * (`resynced`), the held work runs in order, and the queue dispatches.
   */
  resync(): void {
    const own = this.shared;
    const load = own ? async () => own.own(await this.jobs.stored()) : () => this.jobs.stored();
    this.gate.reload(load, (stored) => resynced(this.memory, stored), true).catch((error: unknown) => {
      this.log.error({ err: error }, 'the unfinished jobs could not be reloaded after a failed commit');
    });
  }

  /** Queues a job the store has just made (`predecessor`: the job it continues) and dispatches. */
  admit(job: JobRecord, predecessor: JobRecord | undefined): void {
    this.log.info({ job: job.id, target: job.target, origin: job.origin.kind }, 'job queued');
    this.jobs.admit(job, predecessor);
    this.queue.push(job.id);
    this.waiting.arm(job);
    if (this.shared) this.jobs.changed(job.id);
    this.jobs.notify(job, []);
    this.dispatch();
  }

  /** A job for readers: a queued one says why it waits (`waiting`), from the nodes connected now. */
  view(job: JobRecord): JobRecord {
    return this.waiting.view(job);
  }

  /** Cancels an unfinished job: at once when queued, through its node otherwise. */
  cancel(job: JobRecord): JobRecord {
    if (job.status === 'queued' || job.node === undefined) return this.finish(job, 'cancelled', { error: 'cancelled before it started' });
    // No reason: a plain cancel, which the node confirms with a `finished` event.
    if (!this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: job.id })) return this.finish(job, 'cancelled', { error: 'cancelled while its node was away' });
    this.timers.set('cancel', job.id, this.options.cancelWaitMs, () => {
      const current = this.jobs.active.get(job.id);
      if (current) this.finish(current, 'cancelled', { error: `node ${job.node ?? '?'} did not confirm the cancel within ${this.options.cancelWaitMs / 1000} s` });
    });
    return job;
  }

  /** Ends an unfinished job at once (timed out, over budget): the master records the end, its node is told to stop. */
  stop(id: number, status: FinalStatus, error: string): void {
    if (this.gate.holding) return this.gate.run(() => this.stop(id, status, error));
    const job = this.jobs.active.get(id);
    if (job === undefined) return;
    if (this.shared?.stop(job, status, error, () => this.stop(id, status, error)) === true) return;
    // `ended`, not a cancel: the master records the end now, so the node's own would be refused.
    if (job.node !== undefined) this.hub.sendToNode(job.node, { type: 'job_cancel', jobId: id, reason: 'ended', message: `job ${id} ${error}` });
    this.finish(job, status, { error });
  }

  nodeReady(node: ReadyNode): void {
    if (this.gate.holding) return this.gate.run(() => this.nodeReady(node));
    if (this.shared?.nodeReady(node, () => this.nodeReady(node)) === true) return;
    this.nodeReadyNow(node);
  }

  /** A node is ready and every job it claims that this master can hold is held here. */
  private nodeReadyNow(node: ReadyNode): void {
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
    if (this.gate.holding) return this.gate.run(() => this.nodeGone(name));
    if (this.shared?.holds(name) === true) return this.shared.later(name, () => this.nodeGone(name));
    this.pool.remove(name);
    for (const job of this.jobs.outOn(name)) this.armGrace(job);
    // Nothing can be assigned anew, but the queued jobs' waiting reasons may have changed.
    this.dispatch();
  }

  jobEvents(nodeName: string, frame: JobEventsFrame): void {
    if (this.gate.holding) return this.gate.run(() => this.jobEvents(nodeName, frame));
    if (this.shared?.holds(nodeName) === true) return this.shared.later(nodeName, () => this.jobEvents(nodeName, frame));
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
  queuedCount(): number {
    return this.queue.length;
  }

  /** Stops the timers and drops the held work (the master is closing). */
  close(): void {
    this.gate.close();
    this.timers.stop();
    this.shared?.close();
  }

  /** A load has been applied and the work it held has run: the timers it held run, the queue dispatches. */
  private released(): void {
    this.timers.release();
    this.dispatch();
  }

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
    // Never on memory a load is about to replace: the gate dispatches once it has.
    if (this.queue.length === 0 || this.gate.holding) return;
    // Once every slot is taken the rest of the queue is not looked at: a long queue costs nothing per job.
    this.queue.drain(
      () => this.pool.hasFreeSlot(),
      (id) => {
        const job = this.jobs.active.get(id);
        if (!job) return true;
        // A job being claimed (taken back into the queue by a reload meanwhile) is the claim's to place.
        if (this.shared?.claimSettled(id) !== undefined) return true;
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
    // The predecessor was loaded with the job: assigning reads nothing.
    const spec = nextAttempt(job, this.jobs.predecessorOf(job));
    if (this.shared) return this.shared.claim(job, node, spec);
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

  private timeOut(id: number): void {
    const job = this.jobs.active.get(id);
    if (job) this.stop(id, 'failed', `timed out after ${job.timeoutSec} s`);
  }

  private queueTimedOut(id: number): void {
    const job = this.jobs.active.get(id);
    if (job?.status !== 'queued') return;
    if (this.shared) this.stop(id, 'failed', this.waiting.timeoutError(job));
    else this.finish(job, 'failed', { error: this.waiting.timeoutError(job) });
  }

  private armGrace(job: JobRecord): void {
    this.timers.set('grace', job.id, this.options.requeueGraceMs, () => {
      const current = this.jobs.active.get(job.id);
      const reason = `node ${job.node ?? '?'} vanished`;
      if (current && this.shared) this.shared.graceOver(current, (still) => this.requeueOrLose(still, reason));
      else if (current) this.requeueOrLose(current, reason);
    });
  }

  /** What `FleetJobs` works with. */
  private parts(store: JobStore): EngineParts {
    const { hub, options, jobs, pool, timers, queue, waiting, questions, claims, gate, log } = this;
    const dispatch = () => this.dispatch();
    const nodeReadyNow = (node: ReadyNode) => this.nodeReadyNow(node);
    const armGrace = (job: JobRecord) => this.armGrace(job);
    const timeOut = (id: number) => this.timeOut(id);
    const requeueOrLose = (job: JobRecord, reason: string) => this.requeueOrLose(job, reason);
    const finish = (job: JobRecord, status: FinalStatus, ending: Ending) => this.finish(job, status, ending);
    return { store, hub, options, jobs, pool, timers, queue, waiting, questions, claims, gate, log, dispatch, nodeReadyNow, armGrace, timeOut, requeueOrLose, finish };
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

  private finish(job: JobRecord, status: FinalStatus, { error, result, fresh = [], startedAt, unassigned }: Ending = {}): JobRecord {
    this.timers.clearAll(job.id);
    if (job.status === 'queued') {
      this.queue.remove(job.id);
      this.waiting.left(job.id);
    }
    this.pool.finish(job.node, job.id);
    this.claims.ended(job.id);
    const at = isoNow();
    const closing = result ? [] : this.jobs.sequence(job, closingEvents(job, status, at, error));
    const changes = this.questions.ended(job, finalChanges(status, at, { error, result, startedAt, unassigned }));
    const finished = this.jobs.save(closing.length > 0 ? this.jobs.append(job, closing) : job, changes);
    this.log.info({ job: job.id, status, error }, 'job finished');
    this.jobs.notify(finished, [...fresh, ...closing]);
    this.dispatch();
    return finished;
  }
}
