import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/index.js';
import type { JobStatus } from '../../protocol/index.js';
import { Listeners } from '../listeners.js';
import { settled, type FleetAsk, type FleetReply, type FleetSignal, type FleetStore, type JobClaim, type JobRecord, type LiveNode } from '../store/index.js';
import type { Fleet } from './fleet.js';
import { CHECK_INTERVAL_MS, DEFAULT_ASK_TIMEOUT_MS, DEFAULT_LEASE_MS, type FleetHost, type SharedFleetOptions } from './fleet-options.js';
import { ClaimBatch } from './claim-batch.js';
import { FleetRpc } from './fleet-rpc.js';
import { MemberWatch } from './member-watch.js';
import { NodePublisher } from './node-publisher.js';
import { RemoteNodeView } from './remote-node-view.js';
import { SharedConfigChanges } from './shared-config-changes.js';
import { SerialTask } from './serial-task.js';

/** A `jobs` signal as heard (see `Fleet.onRemoteJobs`). */
interface RemoteJobIds {
  jobIds: readonly number[];
  queued: ReadonlySet<number> | undefined;
}

/**
 * This master among others on one database (see `Fleet`). Its lease is renewed every third of a
 * lease; the others' leases, the requests to it and the replies to its requests are read on their
 * signals and by a fallback check every second. A master found dead (or gone) has its unfinished
 * jobs taken over (one live master wins each) and its nodes dropped. Nothing that runs on its own
 * (timers, signals) ever throws or rejects: a store that is briefly unreachable is logged and tried
 * again on the next turn of the chore.
 */
export class SharedFleet implements Fleet {
  readonly masterId: string;
  readonly shared = true;
  readonly config: SharedConfigChanges;
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly host: FleetHost | undefined;
  private readonly log: Logger;
  private readonly startedAt = new Date().toISOString();
  private readonly members: MemberWatch;
  private readonly rpc: FleetRpc;
  private readonly nodes: RemoteNodeView;
  private readonly publisher: NodePublisher;
  private readonly remoteJobs: Listeners<RemoteJobIds>;
  private readonly orphans: Listeners<readonly JobRecord[]>;
  private readonly checks: SerialTask;
  private readonly resync: SerialTask;
  private readonly changedIds = new Set<number>();
  /** Of `changedIds`, those that may be queued at the commit (queued, or of a status not told, in some change of this turn). */
  private readonly queuedIds = new Set<number>();
  private readonly claims: ClaimBatch;
  private ownNodes: readonly LiveNode[] | undefined;
  /** Set at start, when a master is lost, and once a lease: orphans are taken at the next check that has listeners for them. */
  private orphansPending = true;
  private lastOrphanSweep = 0;
  private started = false;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private listening: { close(): Promise<void> } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribeCommits: (() => void) | undefined;

  constructor(
    private readonly store: FleetStore,
    options: SharedFleetOptions,
  ) {
    this.masterId = options.masterId ?? randomUUID();
    this.name = options.name;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.host = options.host;
    this.log = options.log;
    const log = options.log;
    this.members = new MemberWatch(store, this.masterId, log);
    this.claims = new ClaimBatch(store, this.masterId);
    this.rpc = new FleetRpc(store, this.masterId, options.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS, this.members, log);
    this.nodes = new RemoteNodeView(store, this.masterId, this.members, log);
    this.config = new SharedConfigChanges(store, log);
    this.publisher = new NodePublisher(
      (nodes) => {
        store.publishNodes(this.masterId, nodes);
        store.signal({ kind: 'nodes' });
      },
      (error) => log.warn({ err: error }, "fleet: could not publish this master's nodes; trying again"),
    );
    this.remoteJobs = new Listeners((error) => log.error({ err: error }, 'fleet: a remote jobs listener failed'));
    this.orphans = new Listeners((error) => log.error({ err: error }, 'fleet: an orphans listener failed'));
    this.checks = new SerialTask('check the masters and requests', () => this.check(), log);
    this.resync = new SerialTask('read the unfinished jobs again', () => this.readUnfinished(), log);
  }

  start(): Promise<void> {
    return (this.starting ??= this.begin());
  }

  close(): Promise<void> {
    return (this.closing ??= this.end());
  }

  claim(claim: JobClaim): Promise<boolean> {
    return this.closing ? Promise.resolve(false) : this.claims.claim(claim);
  }

  changed(jobId: number, status?: JobStatus): void {
    this.changedIds.add(jobId);
    if (status === undefined || status === 'queued') this.queuedIds.add(jobId);
    // One signal for the ids changed in this turn's stretch of synchronous work, in its unit of work.
    if (this.changedIds.size === 1) queueMicrotask(() => this.signalChanges());
  }

  onRemoteJobs(listener: (jobIds: readonly number[], queued: ReadonlySet<number> | undefined) => void): () => void {
    return this.remoteJobs.subscribe(({ jobIds, queued }) => listener(jobIds, queued));
  }

  async adopt(jobId: number, node: string): Promise<JobRecord | undefined> {
    const job = await this.store.adopt(jobId, node, this.masterId);
    // Its former owner hears of it and drops it.
    if (job) this.changed(jobId, job.status);
    return job;
  }

  onOrphans(listener: (jobs: readonly JobRecord[]) => void): () => void {
    const unsubscribe = this.orphans.subscribe(listener);
    if (this.started && this.orphansPending) void this.checks.run();
    return unsubscribe;
  }

  ask(owner: string, ask: FleetAsk, workMs?: number): Promise<FleetReply> {
    return this.rpc.ask(owner, ask, workMs);
  }

  owner(jobId: number): Promise<string | undefined> {
    return this.store.owner(jobId);
  }

  serve(handler: (ask: FleetAsk) => Promise<FleetReply>): void {
    this.rpc.serve(handler);
  }

  publishNodes(nodes: readonly LiveNode[]): void {
    this.ownNodes = nodes;
    if (this.started) this.publisher.publish(nodes);
  }

  remoteNodes(): readonly LiveNode[] {
    return this.nodes.nodes();
  }

  onRemoteNodes(listener: () => void): () => void {
    return this.nodes.subscribe(listener);
  }

  private async begin(): Promise<void> {
    if (this.closing) return;
    this.renew();
    this.signal({ kind: 'masters' });
    await settled(this.host?.commit());
    const listening = await this.store.listen(
      (signal) => this.onSignal(signal),
      () => this.onLost(),
    );
    if (this.closing) {
      await listening.close();
      return;
    }
    this.listening = listening;
    this.started = true;
    // A failed commit took this turn's renewal and node list with it: write them again next turn.
    this.unsubscribeCommits = this.host?.onCommitFailed(() => setImmediate(() => this.rewrite()));
    this.timers = [setInterval(() => this.renew(), this.leaseMs / 3), setInterval(() => void this.checks.run(), CHECK_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
    if (this.ownNodes) this.publisher.publish(this.ownNodes);
    await Promise.all([this.checks.run(), this.nodes.reload()]);
    this.log.info({ masterId: this.masterId, leaseMs: this.leaseMs, masters: this.members.aliveIds().length }, 'fleet: joined the masters sharing the database');
  }

  private async end(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribeCommits?.();
    this.publisher.close();
    this.rpc.close();
    this.nodes.close();
    this.config.close();
    try {
      this.store.leave(this.masterId);
    } catch (error) {
      this.log.warn({ err: error }, 'fleet: could not end the lease; the other masters take its jobs over once it runs out');
    }
    this.signal({ kind: 'masters' });
    try {
      await settled(this.host?.commit());
    } catch (error) {
      this.log.warn({ err: error }, 'fleet: the end of the lease was not committed; the other masters take its jobs over once it runs out');
    }
    try {
      await this.listening?.close();
    } catch (error) {
      this.log.warn({ err: error }, 'fleet: could not stop listening for signals');
    }
  }

  private renew(): void {
    if (this.closing) return;
    try {
      this.store.renew({ id: this.masterId, name: this.name, startedAt: this.startedAt, leaseUntil: new Date(Date.now() + this.leaseMs).toISOString() });
    } catch (error) {
      this.log.warn({ err: error }, 'fleet: could not renew the lease; trying again');
    }
  }

  private rewrite(): void {
    this.renew();
    if (this.ownNodes && this.started) this.publisher.publish(this.ownNodes);
  }

  private signal(signal: FleetSignal): void {
    try {
      this.store.signal(signal);
    } catch (error) {
      this.log.warn({ err: error, signal: signal.kind }, 'fleet: could not signal the other masters');
    }
  }

  private signalChanges(): void {
    const jobIds = [...this.changedIds];
    // Only when it tells something: without it, each may be queued.
    const queued = this.queuedIds.size < jobIds.length ? { queued: [...this.queuedIds] } : {};
    this.changedIds.clear();
    this.queuedIds.clear();
    this.signal({ kind: 'jobs', jobIds, ...queued });
  }

  private onSignal(signal: FleetSignal): void {
    if (!this.started) return;
    switch (signal.kind) {
      case 'jobs':
        this.remoteJobs.emit({ jobIds: [...new Set(signal.jobIds)], queued: signal.queued && new Set(signal.queued) });
        return;
      case 'nodes':
        void this.nodes.reload();
        return;
      case 'masters':
        void this.checks.run();
        return;
      case 'asks':
        if (signal.to === this.masterId) this.rpc.asked();
        return;
      case 'replies':
        if (signal.to === this.masterId) this.rpc.replied();
        return;
      case 'config':
        this.config.heard(signal.what);
        return;
    }
  }

  /** Signals may have been missed while the connection was down: read again what they would have said. */
  private onLost(): void {
    if (!this.started) return;
    this.log.warn('fleet: the signal connection was lost; reading the masters, nodes, requests, unfinished jobs and configuration again');
    void this.checks.run();
    void this.nodes.reload();
    void this.resync.run();
    this.config.lost();
  }

  private async readUnfinished(): Promise<void> {
    if (!this.host) return;
    const jobIds = await this.host.unfinishedJobIds();
    if (this.started) this.remoteJobs.emit({ jobIds, queued: undefined });
  }

  private async check(): Promise<void> {
    if (!this.started) return;
    await Promise.all([this.checkMembers(), this.rpc.poll()]);
  }

  private async checkMembers(): Promise<void> {
    const { changed, lost } = await this.members.read();
    if (!this.started) return;
    // Once a lease, a sweep: jobs a race left to a master already gone (one that took orphans as it left).
    if (lost || Date.now() - this.lastOrphanSweep >= this.leaseMs) this.orphansPending = true;
    if (changed) this.nodes.refresh();
    if (lost) {
      this.dropDeadNodes();
      void this.nodes.reload();
    }
    await this.takeOrphans();
  }

  private dropDeadNodes(): void {
    try {
      this.store.dropNodesOf(this.members.aliveIds());
    } catch (error) {
      this.log.warn({ err: error }, "fleet: could not drop the nodes of masters that are gone");
    }
  }

  /** With the live masters as just read, so that the list given is as fresh as it can be. */
  private async takeOrphans(): Promise<void> {
    if (!this.orphansPending || this.orphans.size === 0) return;
    this.orphansPending = false;
    let jobs: JobRecord[];
    try {
      jobs = await this.store.takeOrphans(this.members.aliveIds(), this.masterId);
    } catch (error) {
      this.orphansPending = true;
      throw error;
    }
    this.lastOrphanSweep = Date.now();
    if (jobs.length === 0 || !this.started) return;
    this.log.info({ jobIds: jobs.map((job) => job.id) }, 'fleet: took over the jobs of masters that are gone');
    for (const job of jobs) this.changed(job.id, job.status);
    this.orphans.emit(jobs);
  }
}
