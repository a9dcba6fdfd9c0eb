import type { NodeInfo } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import { NODE_PUBLISH_INTERVAL_MS } from '../fleet/index.js';
import type { JobRecord, LiveNode } from '../store/index.js';

/** What the publishing reads of the hub: its node list, and word when it changes. */
export interface PublishedHub {
  listNodes(): NodeInfo[];
  onNodesChanged(listener: () => void): void;
}

/** What the publishing reads of the job layer (`JobService`: the hub knows no jobs beyond this). */
export interface PublishedJobs {
  /** Updates of this master's own jobs. */
  subscribe(listener: (update: { job: JobRecord }) => void): () => void;
  /** The unfinished jobs held in memory (a live view). */
  unfinished(): Iterable<JobRecord>;
}

/**
 * Publishes this master's connected nodes, with the jobs out on each, to the masters sharing its
 * store (their `/api/nodes`, dashboards and bridges' `status` list them): after every change of
 * the hub's list (a node came, went, changed status; a heartbeat round) and every change of where
 * this master's jobs run. Built for a shared fleet only: alone, nothing subscribes, and no frame or
 * job costs anything more.
 *
 * The list is built at most once per `NODE_PUBLISH_INTERVAL_MS` (the fleet writes no more often):
 * the first change of a quiet spell after the turn that made it, later ones at the interval's end,
 * so that a connect storm of a thousand nodes builds a handful of lists, not a thousand.
 */
export class NodePublishing {
  /** The node each of this master's jobs was out on when the list was last built. */
  private placed = new Map<number, string>();
  private lastBuilt = Number.NEGATIVE_INFINITY;
  /** Cancels the build waiting to run (undefined: none waits). */
  private pending: (() => void) | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly hub: PublishedHub,
    private readonly jobs: PublishedJobs,
    private readonly fleet: Pick<Fleet, 'masterId' | 'publishNodes'>,
  ) {
    hub.onNodesChanged(() => this.changed());
    this.unsubscribe = jobs.subscribe(({ job }) => {
      if (this.placed.get(job.id) !== nodeOf(job)) this.changed();
    });
    this.changed();
  }

  /** Stops publishing (the master is stopping: its fleet leaves, and its list with it). */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.pending?.();
    this.pending = undefined;
  }

  private changed(): void {
    if (this.closed || this.pending !== undefined) return;
    const wait = this.lastBuilt + NODE_PUBLISH_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      // The rest of this turn (a burst of frames in one read, a batch of job updates) joins this list.
      const immediate = setImmediate(() => this.publish());
      this.pending = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.publish(), wait).unref();
      this.pending = () => clearTimeout(timer);
    }
  }

  private publish(): void {
    this.pending = undefined;
    if (this.closed) return;
    this.lastBuilt = Date.now();
    const running = this.runningByNode();
    const masterId = this.fleet.masterId;
    this.fleet.publishNodes(this.hub.listNodes().map((info): LiveNode => ({ info, masterId, running: running.get(info.name) ?? [] })));
  }

  /** The ids out on each node, oldest first (as `JobService.runningOn` lists them), in one pass over the unfinished jobs. */
  private runningByNode(): Map<string, number[]> {
    const running = new Map<string, number[]>();
    this.placed = new Map();
    for (const job of this.jobs.unfinished()) {
      const node = nodeOf(job);
      if (node === undefined) continue;
      this.placed.set(job.id, node);
      const ids = running.get(node);
      if (ids) ids.push(job.id);
      else running.set(node, [job.id]);
    }
    return running;
  }
}

/** The node a job is out on (assigned or running), if any. */
function nodeOf(job: JobRecord): string | undefined {
  return job.status === 'assigned' || job.status === 'running' ? job.node : undefined;
}
