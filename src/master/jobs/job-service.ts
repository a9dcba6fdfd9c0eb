import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, isoNow, type JobEventsFrame, type JobPublishedFrame, type SequencedJobEvent } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Hub, JobChannel, ReadyNode } from '../hub/index.js';
import { StoreCommitError, type Commit, type EncodedJobEvent, type IdempotencyKey, type JobFilter, type JobRecord, type JobStore } from '../store/index.js';
import type { FinalStatus } from './ending.js';
import { FleetRequests, type CancelParts } from './fleet-requests.js';
import { IdempotencyKeys, type KeyedCreate } from './idempotency.js';
import { JobEngine } from './job-engine.js';
import { assembleDiff, type JobDiff } from './job-diff.js';
import type { JobLedger, Wants } from './ledger.js';
import { newJobFor } from './new-job.js';
import { Publisher } from './publisher.js';
import type { Questions } from './questions.js';
import type { JobRequest, JobServiceOptions, JobUpdate } from './types.js';

/**
 * Jobs on the master: queueing, FIFO dispatch to matching nodes with free slots, event ingest
 * with cumulative acknowledgements, cancel, timeouts, and re-queueing when a node vanishes.
 * Every state change is written before anything is sent, and the store commits before any frame
 * or response leaves (the hub's outbox, the HTTP app, the log follower), so a master crash loses
 * nothing. Only the current attempt of a job, on the job's node, is stored: every other copy is
 * told to stop (`Claims`). The unfinished jobs are worked on in memory (`JobEngine`), which never
 * waits for the store; reads of any job (`get`, `list`, logs) and creates do.
 */
export class JobService implements JobChannel {
  private readonly engine: JobEngine;
  private readonly jobs: JobLedger;
  private readonly keys: IdempotencyKeys;
  /** The commits of inserts that have not settled yet (see `whenCommitted`). */
  private readonly inserts = new Set<Promise<void>>();
  /** Publishing finished jobs' changes afterwards, through the nodes that hold their branches. */
  readonly publisher: Publisher;
  /** Codex's questions of the running jobs and their answers. */
  readonly questions: Questions;
  /** Requests for jobs other masters hold, and theirs for this master's (undefined alone). */
  private readonly requests: FleetRequests | undefined;

  /**
   * `fleet`: the masters sharing the store (absent, or one that is not shared: this master alone,
   * and nothing here differs from a master that never heard of others).
   */
  constructor(
    private readonly store: JobStore,
    hub: Pick<Hub, 'sendToNode'>,
    private readonly options: JobServiceOptions,
    log: Logger,
    fleet?: Fleet,
  ) {
    this.engine = new JobEngine(store, hub, options, log, fleet);
    this.jobs = this.engine.jobs;
    this.questions = this.engine.questions;
    this.keys = new IdempotencyKeys(store);
    this.publisher = new Publisher(this.jobs, hub, log);
    store.onCommitFailed(() => this.engine.resync());
    if (fleet?.shared === true) this.requests = this.serve(fleet, log);
  }

  /**
   * At start: loads the unfinished jobs; those that were out on nodes wait for those nodes to come
   * back and claim them. Nodes that connect meanwhile are taken once the jobs are loaded. With
   * other masters, only the queued ones (see `JobEngine.recover`); what the others send before
   * this has loaded waits for it.
   */
  recover(): Promise<void> {
    return this.engine.recover();
  }

  /**
   * Queues a job and dispatches it if a node can take it; resolves with it as `show` gives it. A
   * follow-up's predecessor is read here and kept with it (assigning reads nothing). Rejects
   * (`StoreCommitError`) when a failed commit took the job back before it was taken into memory.
   * `idempotency`: the key it is made for, stored with it (see `createOnce`).
   */
  async create(request: JobRequest, idempotency?: IdempotencyKey): Promise<JobRecord> {
    const threadFrom = request.continueFrom === undefined ? undefined : await this.get(request.continueFrom);
    if (threadFrom && !FINAL_JOB_STATUSES.has(threadFrom.status)) {
      throw new CodedError('conflict', `job ${threadFrom.id} is still ${threadFrom.status}; continue from it once it has finished`);
    }
    const { gate } = this.engine;
    const loads = gate.loads;
    const made = this.store.create(newJobFor(request, this.options, threadFrom), isoNow(), idempotency);
    this.awaitInsert(this.store.whenCommitted());
    const job = await made;
    await gate.opened();
    // A reload since the insert read the store after it: it took the job in, or the job is gone
    // (the same one: SQLite hands a rolled-back id out again, and the id alone would not tell).
    const current = this.jobs.active.get(job.id);
    if (gate.loads !== loads && !(current && sameJob(current, job))) throw new StoreCommitError(`job ${job.id} was lost: the store could not commit it`);
    if (current === undefined) this.engine.admit(job, threadFrom);
    // Alone, dispatch has assigned it by now; sharing the queue, the claim dispatch made for it is
    // still out: the answer waits for it, so that the requester hears where the job went.
    await this.engine.shared?.claimSettled(job.id);
    return this.engine.view(this.jobs.active.get(job.id) ?? job);
  }

  /**
   * `make` once per `Idempotency-Key` within 24 h (see `IdempotencyKeys.once`): `make` passes the
   * key it is given on to `create`, which stores it with the job.
   */
  createOnce(idempotency: IdempotencyKey, make: KeyedCreate): Promise<{ job: JobRecord; created: boolean }> {
    return this.keys.once(idempotency, make, (id) => this.show(id));
  }

  /** Any job: an unfinished one from memory, a finished one from the store; `not_found` when there is none. */
  get(id: number): Promise<JobRecord> {
    return this.jobs.find(id);
  }

  /** An unfinished job as held in memory; undefined for a finished or unknown one. */
  active(id: number): JobRecord | undefined {
    return this.jobs.active.get(id);
  }

  /** A job for readers: a queued one says why it waits (`waiting`), from the nodes connected now. */
  async show(id: number): Promise<JobRecord> {
    return this.engine.view(await this.get(id));
  }

  /** Newest first, each as `show` gives it. */
  async list(filter: JobFilter): Promise<JobRecord[]> {
    return (await this.store.list(filter)).map((job) => this.engine.view(job));
  }

  async events(id: number, afterSeq: number, limit: number): Promise<SequencedJobEvent[]> {
    await this.get(id);
    return this.store.events(id, afterSeq, limit);
  }

  /** `events` as JSON text, for streams that pass them on. */
  async eventsJson(id: number, afterSeq: number, limit: number): Promise<EncodedJobEvent[]> {
    await this.get(id);
    return this.store.eventsJson(id, afterSeq, limit);
  }

  /** The job's unified diff, from its `diff` events (see `assembleDiff`). */
  async diff(id: number): Promise<JobDiff> {
    const [job, parts] = await Promise.all([this.get(id), this.store.diffParts(id)]);
    return assembleDiff(job, parts);
  }

  /**
   * Cancels a job in any state but a final one: at once when queued, through its node otherwise.
   * With other masters, a job out on another master's node is cancelled by that master.
   */
  async cancel(id: number): Promise<JobRecord> {
    const found = await this.get(id);
    if (this.requests !== undefined) return this.requests.cancel(this.cancelParts(), id, found, true);
    // From memory, after the read: the job as it is now, not as it was when the read began.
    const job = this.jobs.active.get(id);
    if (job) return this.engine.cancel(job);
    if (!FINAL_JOB_STATUSES.has(found.status)) throw new CodedError('conflict', `job ${id} is being taken in; cancel it again in a moment`);
    throw new CodedError('conflict', `job ${id} has already ${found.status === 'lost' ? 'been lost' : found.status}`);
  }

  /** Ends an unfinished job at once (timed out, over budget): the master records the end, its node is told to stop. */
  stop(id: number, status: FinalStatus, error: string): void {
    this.engine.stop(id, status, error);
  }

  /** Ends the store's unit of work now: settle it before telling anyone about a change outside the hub. */
  commit(): Commit {
    return this.store.commit();
  }

  /**
   * Resolves once every change so far is durable, committed with the rest of this turn's, and the
   * inserts of the creates before it too: a create goes on (assigns, answers) in a later unit of
   * work than its insert's when the store answers later, and that unit's commit does not vouch
   * for the insert's.
   */
  whenCommitted(): Promise<void> {
    const latest = this.store.whenCommitted();
    if (this.inserts.size === 0) return latest;
    return Promise.all([latest, ...this.inserts]).then(() => undefined);
  }

  /** Keeps an insert's commit until it has settled (see `whenCommitted`). */
  private awaitInsert(committed: Promise<void>): void {
    if (this.inserts.has(committed)) return;
    this.inserts.add(committed);
    const settled = () => this.inserts.delete(committed);
    committed.then(settled, settled);
  }

  /** Stops the timers; stored jobs are picked up again by `recover()` on the next start. */
  close(): void {
    this.engine.close();
    this.publisher.close();
    this.requests?.close();
  }

  /** Routes the requests for other masters' jobs to them, and serves theirs with the local operations. */
  private serve(fleet: Fleet, log: Logger): FleetRequests {
    const requests = new FleetRequests(fleet, log);
    this.questions.routeTo((jobId, questionId, answer, by) => requests.answer(jobId, questionId, answer, by));
    this.publisher.routeTo((node, jobId, mode, waitMs) => requests.publish(node, jobId, mode, waitMs));
    requests.serve({
      cancel: async (jobId) => requests.cancel(this.cancelParts(), jobId, await this.get(jobId), false),
      answer: (jobId, questionId, answer, by) => this.questions.answer(jobId, questionId, answer, by, false),
      publish: (jobId, mode, waitMs) => this.publisher.publish(jobId, mode, waitMs, false),
    });
    return requests;
  }

  private cancelParts(): CancelParts {
    const { engine, jobs, store } = this;
    return {
      active: (id) => jobs.active.get(id),
      stored: (id) => store.get(id),
      claimSettled: (id) => engine.shared?.claimSettled(id),
      cancelOut: (job) => engine.cancel(job),
      takeQueued: (job) => engine.shared?.takeQueued(job),
      cancelQueued: async (job) => engine.shared?.finishQueued(job, 'cancelled', 'cancelled before it started') ?? engine.cancel(job),
    };
  }

  /**
   * Updates of this master's own jobs: what is done once per change, by the master that holds the
   * job (the pipeline's next step, usage, budgets, metrics).
   */
  subscribe(listener: (update: JobUpdate) => void): () => void {
    return this.jobs.subscribe(listener);
  }

  /**
   * Updates of every job, this master's own and those of the other masters sharing the store as
   * they are read back (the same shape, with the events stored since the last update): for
   * whoever shows jobs (log followers, the dashboard, the bridges' followed jobs). `wants` says
   * which of the other masters' jobs out on their nodes must be read back for this watcher (see
   * `JobLedger.watch`); without it, it hears those read for the others.
   */
  watch(listener: (update: JobUpdate) => void, wants?: Wants): () => void {
    return this.jobs.watch(listener, wants);
  }

  /**
   * A watcher starts wanting the events of a job it has just read at `lastSeq` (a bridge following
   * it again): those another master stores after it reach the watchers, none skipped.
   */
  wantedFrom(id: number, lastSeq: number): void {
    this.engine.shared?.wantedFrom(id, lastSeq);
  }

  nodeReady(node: ReadyNode): void {
    this.engine.nodeReady(node);
  }

  nodeGone(name: string): void {
    this.publisher.nodeGone(name);
    this.engine.nodeGone(name);
  }

  jobEvents(nodeName: string, frame: JobEventsFrame): void {
    this.engine.jobEvents(nodeName, frame);
  }

  jobPublished(nodeName: string, frame: JobPublishedFrame): void {
    this.engine.gate.run(() => this.publisher.answered(nodeName, frame));
  }

  /** How many jobs wait for a node. */
  queuedCount = (): number => this.engine.queuedCount();

  /** The unfinished jobs as held in memory (a live view: read it at once, do not keep it). */
  unfinished = (): IterableIterator<JobRecord> => this.jobs.active.values();

  /** Ids of the jobs assigned to or running on a node, oldest first. */
  runningOn = (nodeName: string): number[] => this.jobs.outOn(nodeName).map((job) => job.id);
}

/** Whether two records of an id are of one job: made at the same time from the same prompt. */
function sameJob(a: JobRecord, b: JobRecord): boolean {
  return a.id === b.id && a.createdAt === b.createdAt && a.prompt === b.prompt;
}
