import { FINAL_JOB_STATUSES } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { ReadyNode } from '../hub/index.js';
import type { JobRecord } from '../store/index.js';
import { takeOut, type EngineParts } from './engine-parts.js';
import { OUT } from './ledger.js';

/** A job taken over, with the finished job it continues (for its next attempt). */
interface Taken {
  job: JobRecord;
  predecessor: JobRecord | undefined;
}

/**
 * Jobs that come to this master with their nodes, from other masters: a node that connects here
 * claiming jobs this master does not hold has them adopted (`Fleet.adopt`) before its claims are
 * answered, and what it sends meanwhile (events, a reconnect, its leaving) waits, in order; the
 * jobs of a master whose lease ran out (`Fleet.onOrphans`) are held here out on their nodes, which
 * have the grace time to come back here and claim them.
 */
export class TakeOver {
  /** Nodes whose claims wait for adoptions, with what came from them meanwhile. */
  private readonly holding = new Map<string, Array<() => void>>();

  constructor(
    private readonly fleet: Pick<Fleet, 'adopt'>,
    private readonly parts: EngineParts,
    /** Whether a claim of this job is under way here (it is not adopted: the claim decides). */
    private readonly claiming: (id: number) => boolean,
    /** A job is held here now (the watchers hear of it from memory). */
    private readonly taken: (id: number) => void,
    /** Runs `work` behind the gate, resolving once it has run. */
    private readonly inGate: (work: () => void) => Promise<void>,
  ) {}

  /** Whether what comes from this node waits for adoptions. */
  holds(node: string): boolean {
    return this.holding.size > 0 && this.holding.has(node);
  }

  /** Runs `work` once the node's adoptions are done. */
  later(node: string, work: () => void): void {
    this.holding.get(node)?.push(work);
  }

  /**
   * A node is ready: the jobs it claims that are not held here are adopted first. False: none to
   * adopt, the engine goes on at once; true: `nodeReadyNow` runs once they are (`again` when the
   * node's earlier adoptions are still under way).
   */
  nodeReady(node: ReadyNode, again: () => void): boolean {
    const held = this.holding.get(node.name);
    if (held !== undefined) {
      held.push(again);
      return true;
    }
    const kept = new Set(this.parts.jobs.outOn(node.name).map((job) => job.id));
    const others = node.runningJobs.filter((id) => !kept.has(id) && !this.claiming(id));
    if (others.length === 0) return false;
    this.holding.set(node.name, []);
    void this.adopt(node, others);
    return true;
  }

  /** The jobs of a master whose lease ran out, now this master's. */
  async orphans(records: readonly JobRecord[]): Promise<void> {
    try {
      const taken = await Promise.all(records.map(async (job) => ({ job, predecessor: await this.predecessorOf(job) })));
      await this.inGate(() => {
        for (const { job, predecessor } of taken) this.orphan(job, predecessor);
        this.parts.dispatch();
      });
    } catch (error) {
      this.parts.log.error({ err: error, jobs: records.map((job) => job.id) }, 'could not take in the jobs of a master that stopped');
    }
  }

  close(): void {
    this.holding.clear();
  }

  private async adopt(node: ReadyNode, ids: readonly number[]): Promise<void> {
    const taken = await Promise.all(ids.map((id) => this.adoptOne(id, node.name)));
    await this.inGate(() => {
      for (const entry of taken) if (entry) this.hold(entry);
      const held = this.holding.get(node.name) ?? [];
      this.holding.delete(node.name);
      try {
        this.parts.nodeReadyNow(node);
      } finally {
        for (const work of held) this.runLogged(work);
      }
    });
  }

  private async adoptOne(id: number, node: string): Promise<Taken | undefined> {
    try {
      const job = await this.fleet.adopt(id, node);
      if (job === undefined) return undefined;
      this.parts.log.info({ job: id, node, attempt: job.attempt }, 'took over a job its node brought from another master');
      return { job, predecessor: await this.predecessorOf(job) };
    } catch (error) {
      this.parts.log.error({ err: error, job: id, node }, 'could not take over a job its node brought from another master');
      return undefined;
    }
  }

  /** An orphan: its node has the grace time to come back here, or it is re-queued at once when it is here without it. */
  private orphan(job: JobRecord, predecessor: JobRecord | undefined): void {
    const { jobs, pool, log } = this.parts;
    if (FINAL_JOB_STATUSES.has(job.status) || job.node === undefined) return;
    const local = jobs.active.get(job.id);
    if (local !== undefined && local.node === job.node && OUT.includes(local.status)) return;
    this.hold({ job, predecessor });
    log.warn({ job: job.id, node: job.node }, 'took over a job of a master that stopped: its node has the grace time to come back');
    // A node being taken in claims it or not; a node here already came without it.
    if (this.holding.has(job.node)) return;
    if (pool.has(job.node)) this.parts.requeueOrLose(jobs.active.get(job.id) ?? job, `node ${job.node} is connected without it`);
    else this.parts.armGrace(job);
  }

  private hold({ job, predecessor }: Taken): void {
    takeOut(this.parts, job, predecessor);
    this.taken(job.id);
  }

  private async predecessorOf(job: JobRecord): Promise<JobRecord | undefined> {
    if (job.continueFrom === undefined) return undefined;
    try {
      return await this.parts.store.get(job.continueFrom);
    } catch (error) {
      this.parts.log.warn({ err: error, job: job.id }, 'could not read the job a taken-over job continues');
      return undefined;
    }
  }

  private runLogged(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.parts.log.error({ err: error }, 'work held for a node being taken in failed');
    }
  }
}
