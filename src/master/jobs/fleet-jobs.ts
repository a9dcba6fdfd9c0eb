import { isoNow, type JobSpec } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { ReadyNode } from '../hub/index.js';
import type { JobChanges, JobRecord } from '../store/index.js';
import type { FinalStatus } from './ending.js';
import { handOver, mirror, release, type EngineParts } from './engine-parts.js';
import { OUT, type Unfinished } from './ledger.js';
import type { SlotView } from './node-pool.js';
import { RemoteJobs } from './remote-jobs.js';
import { TakeOver } from './take-over.js';

/** How long dispatch waits before it tries again after the store failed to answer a claim. */
const CLAIM_RETRY_MS = 1000;
/** What a conditional finish of a queued job claims it for (no node has an empty name); the finish clears it. */
const NO_NODE = '';

/**
 * The job engine's side of several masters on one database (`Fleet`, shared): every master
 * mirrors the queue and dispatches to its own nodes, claiming each job in the database before its
 * `job_assign` (the slot is reserved while the claim is out; a lost claim drops the job here).
 * Other masters' changes are read back (`RemoteJobs`); a node that comes here with jobs another
 * master held has them adopted before its claims are answered (what it sends meanwhile waits);
 * the jobs of a master that died come here as orphans, with their grace time. None of this runs
 * with one master alone: there the engine's path is the synchronous one it always was.
 */
export class FleetJobs {
  /** Claims in flight by job id: settled once the store has answered and memory follows. */
  private readonly claiming = new Map<number, Promise<void>>();
  private readonly remote: RemoteJobs;
  private readonly takeOver: TakeOver;
  private readonly off: Array<() => void>;
  /** Until the jobs are loaded (`start`), what the other masters send waits here. */
  private deferred: Array<() => void> | undefined = [];
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly fleet: Fleet,
    private readonly parts: EngineParts,
  ) {
    const claiming = (id: number) => this.claiming.has(id);
    this.remote = new RemoteJobs(fleet, parts, claiming);
    this.takeOver = new TakeOver(fleet, parts, claiming, (id) => this.remote.taken(id), (work) => this.inGate(work));
    parts.jobs.onFinalTold((job) => this.remote.told(job));
    this.off = [
      fleet.onRemoteJobs((ids, queued) => this.whenStarted(() => this.remote.changed(ids, queued))),
      fleet.onOrphans((jobs) => this.whenStarted(() => void this.takeOver.orphans(jobs))),
    ];
  }

  /** The jobs are loaded: what the other masters sent meanwhile is taken in. */
  start(): void {
    const deferred = this.deferred ?? [];
    this.deferred = undefined;
    for (const work of deferred) work();
  }

  /** The nodes of the other masters, for the waiting reasons of queued jobs. */
  others = (): SlotView[] =>
    this.fleet.remoteNodes().map((node) => ({ name: node.info.name, tags: node.info.tags, capabilities: node.info.capabilities, running: { size: node.running.length } }));

  /** The claim of a job under way, if one is: settled once memory follows its answer. */
  claimSettled(id: number): Promise<void> | undefined {
    return this.claiming.get(id);
  }

  /** Whether what comes from this node waits for adoptions (see `TakeOver`). */
  holds(node: string): boolean {
    return this.takeOver.holds(node);
  }

  /** Runs `work` once the node's adoptions are done. */
  later(node: string, work: () => void): void {
    this.takeOver.later(node, work);
  }

  /**
   * A node is ready: the jobs it claims that are not held here are adopted first (it brought them
   * from another master). False: none to adopt, the engine goes on at once.
   */
  nodeReady(node: ReadyNode, again: () => void): boolean {
    return this.takeOver.nodeReady(node, again);
  }

  /** Takes a queued job the store has into memory, to act on it here (a cancel). */
  takeQueued(job: JobRecord): void {
    if (!this.parts.jobs.active.has(job.id)) mirror(this.parts, job, undefined);
  }

  /**
   * Claims a queued job for a node before it is assigned (`Fleet.claim`): its slot is reserved and
   * it is out of the queue while the claim is out; a won claim is handed over, a lost one drops the
   * job. Returns true: the job leaves the queue either way.
   */
  claim(job: JobRecord, node: string, spec: JobSpec): boolean {
    const { pool, waiting } = this.parts;
    const assignedAt = isoNow();
    pool.start(node, job.id);
    waiting.left(job.id);
    const changes: JobChanges = { status: 'assigned', node, attempt: spec.attempt, assignedAt };
    const answer = this.ask(() => this.fleet.claim({ jobId: job.id, node, attempt: spec.attempt, assignedAt }));
    if (answer === true) {
      this.won(job, node, spec, changes);
      return true;
    }
    this.claiming.set(
      job.id,
      this.settle(
        job.id,
        answer,
        (won) => (won ? this.won(job, node, spec, changes) : this.lost(job.id, node)),
        (error) => this.failed(job.id, node, error),
      ),
    );
    return true;
  }

  /**
   * Ends a queued job only if it is still queued in the store (a cancel, a queue timeout): claimed
   * for no node first, so that a master claiming it at the same moment has it or this one does.
   * Resolves with the job as ended, or undefined when another master took it (it is dropped here).
   */
  finishQueued(job: JobRecord, status: FinalStatus, error: string): Promise<JobRecord | undefined> {
    const { queue, waiting, jobs } = this.parts;
    queue.remove(job.id);
    waiting.left(job.id);
    const answer = this.ask(() => this.fleet.claim({ jobId: job.id, node: NO_NODE, attempt: job.attempt, assignedAt: isoNow() }));
    return new Promise((resolve, reject) => {
      const settled = this.settle(
        job.id,
        answer === true ? Promise.resolve(true) : answer,
        (won) => resolve(won ? this.parts.finish(jobs.active.get(job.id) ?? job, status, { error, unassigned: true }) : this.dropped(job.id)),
        (failure) => {
          this.requeue(job.id);
          reject(failure instanceof Error ? failure : new Error(String(failure)));
        },
      );
      this.claiming.set(job.id, settled);
    });
  }

  /**
   * Ends a job with other masters sharing the queue (a stop, a queue timeout): one being claimed
   * once its claim is settled (`again`), a queued one only if the store still has it queued. False:
   * neither, the engine stops it as alone.
   */
  stop(job: JobRecord, status: FinalStatus, error: string, again: () => void): boolean {
    const claim = this.claiming.get(job.id);
    if (claim !== undefined) {
      void claim.then(again);
      return true;
    }
    if (job.status !== 'queued') return false;
    this.finishQueued(job, status, error).catch((failure: unknown) => this.parts.log.error({ err: failure, job: job.id, status }, 'could not end a queued job'));
    return true;
  }

  /**
   * A grace time ran out: the job is re-queued (`act`) only if it is still this master's in the
   * store; its node may have taken it to another master, which has it now.
   */
  graceOver(job: JobRecord, act: (current: JobRecord) => void): void {
    const { jobs, pool, gate, log } = this.parts;
    const still = (): JobRecord | undefined => {
      const current = jobs.active.get(job.id);
      return current && OUT.includes(current.status) && current.node === job.node && !(current.node !== undefined && pool.has(current.node)) ? current : undefined;
    };
    this.fleet.owner(job.id).then(
      (owner) =>
        gate.run(() => {
          const current = still();
          if (current === undefined) return;
          if (owner === this.fleet.masterId) return act(current);
          log.info({ job: job.id, node: job.node, owner }, 'a job whose node is away is not this master’s any more: dropped here');
          this.drop(job.id);
          this.remote.changed([job.id]);
        }),
      (error: unknown) => {
        log.error({ err: error, job: job.id }, 'could not read who owns a job whose node is away: its grace time starts again');
        gate.run(() => {
          const current = still();
          if (current) this.parts.armGrace(current);
        });
      },
    );
  }

  /** Of the store's unfinished jobs (a reload after a failed commit), those of this master: the queue, and what it holds out on nodes. */
  own(stored: Unfinished): Unfinished {
    const { active } = this.parts.jobs;
    const jobs = stored.jobs.filter((job) => {
      if (this.claiming.has(job.id)) return false;
      if (job.status === 'queued') return true;
      const held = active.get(job.id);
      return held !== undefined && OUT.includes(held.status);
    });
    const ids = new Set(jobs.map((job) => job.id));
    return { jobs, predecessors: new Map([...stored.predecessors].filter(([id]) => ids.has(id))) };
  }

  close(): void {
    for (const off of this.off) off();
    clearTimeout(this.retry);
    this.remote.close();
    this.takeOver.close();
  }

  /** The fleet's answer to a claim: true at once, or a promise (a throw becomes a rejection). */
  private ask(claim: () => true | Promise<boolean>): true | Promise<boolean> {
    try {
      return claim();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Runs what a claim's answer means, behind the gate, then dispatches; resolves once it has run. */
  private settle(id: number, answer: Promise<boolean>, then: (won: boolean) => void, failed: (error: unknown) => void): Promise<void> {
    const run = (work: () => void) =>
      this.inGate(() => {
        this.claiming.delete(id);
        work();
        this.parts.dispatch();
      });
    return answer.then(
      (won) => run(() => then(won)),
      (error: unknown) => run(() => failed(error)),
    );
  }

  /** Runs `work` now or after the running load, resolving once it has run (or failed, logged). */
  private inGate(work: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.parts.gate.run(() => {
        try {
          work();
        } catch (error) {
          this.parts.log.error({ err: error }, 'work on a job after an answer of the database failed');
        } finally {
          resolve();
        }
      });
    });
  }

  private won(job: JobRecord, node: string, spec: JobSpec, changes: JobChanges): void {
    const { jobs, pool, queue, waiting, log } = this.parts;
    const current = jobs.active.get(job.id) ?? job;
    if (handOver(this.parts, current, node, spec, changes)) return;
    // The node left while the claim was out: the assignment is taken back at once, its attempt not spent.
    pool.finish(node, job.id);
    const back = jobs.save(current, { status: 'queued', node: null, attempt: spec.attempt - 1, assignedAt: null });
    queue.insert(job.id);
    waiting.arm(back);
    log.info({ job: job.id, node }, 'the node left while the job was being claimed for it: queued again');
  }

  /**
   * Another master took the job, or it left the queue (or the store could not say: a claim that
   * failed counts as lost). Dropped here, and read back: still queued, it is mirrored again.
   */
  private lost(id: number, node: string): void {
    this.parts.pool.finish(node, id);
    this.drop(id);
    this.remote.changed([id]);
  }

  private failed(id: number, node: string, error: unknown): void {
    this.parts.pool.finish(node, id);
    this.parts.log.error({ err: error, job: id, node }, 'could not claim a job: it stays queued');
    this.requeue(id);
  }

  /** A claim failed: the job goes back to its place in the queue, and dispatch tries again in a while. */
  private requeue(id: number): void {
    const job = this.parts.jobs.active.get(id);
    if (job?.status === 'queued') {
      this.parts.queue.insert(id);
      this.parts.waiting.arm(job, job.attempt === 0 ? Date.now() - Date.parse(job.createdAt) : 0);
    }
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.parts.gate.run(() => this.parts.dispatch());
    }, CLAIM_RETRY_MS).unref();
  }

  /** A watcher starts wanting a job it read at `lastSeq`: another master's events after it reach the watchers. */
  wantedFrom(id: number, lastSeq: number): void {
    this.remote.wantedFrom(id, lastSeq);
  }

  /** Drops a job from memory; the other masters' changes to it reach the watchers from where it was. */
  private drop(id: number): void {
    const job = release(this.parts, id);
    if (job) this.remote.left(id, job.lastSeq);
  }

  /** `drop`, for a conditional finish that another master's claim beat. */
  private dropped(id: number): undefined {
    this.drop(id);
    this.remote.changed([id]);
    return undefined;
  }

  private whenStarted(work: () => void): void {
    if (this.deferred !== undefined) this.deferred.push(work);
    else work();
  }
}
