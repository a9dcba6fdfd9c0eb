import type { ServerResponse } from 'node:http';
import type { Logger } from '../../log/index.js';
import type { Hub, NodeEvent } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import { maskSettings, type SettingsService } from '../settings/index.js';
import { settled, type Commit, type JobRecord } from '../store/index.js';
import { Coalescer } from './coalescer.js';
import type { NodeDirectory } from './node-view.js';
import { RemoteNodeChanges } from './remote-node-changes.js';
import { RunningJobsWatch } from './running-jobs-watch.js';
import { SseFanout } from './sse-fanout.js';

/** What the dashboard hears about. */
export interface FeedSources {
  hub: Pick<Hub, 'onNodeEvent' | 'listNodes'>;
  /** The nodes as shown (with their master when the store is shared), and the other masters' nodes. */
  nodes: Pick<NodeDirectory, 'own' | 'remote' | 'onRemoteChange'>;
  jobs: Pick<JobService, 'watch' | 'runningOn' | 'commit'>;
  settings: Pick<SettingsService, 'subscribe'>;
  remoteNodes: Pick<RemoteNodeService, 'subscribe'>;
  log: Logger;
}

/** At most one event per job per window. */
const JOB_WINDOW_MS = 100;
/** Proxies close streams idle for a minute or so; a comment line every 15 s keeps them open. */
const PING_INTERVAL_MS = 15_000;
/** A dashboard with more than this unsent is dropped: it reconnects and refetches. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The dashboard's live feed, as server-sent events: `node` (`{event, node}`, the node with its
 * running jobs; with several masters on the store, theirs too, each with its master), `job` (the
 * job as stored, coalesced per job: every master's jobs), `config` (the settings as the API shows
 * them) and `remote_nodes` (the whole list). The sources are listened to only while a dashboard is
 * connected.
 */
export class DashboardFeed {
  private readonly fanout: SseFanout;
  private readonly watch: RunningJobsWatch;
  private readonly jobUpdates: Coalescer<JobRecord>;
  private readonly remote = new RemoteNodeChanges();
  private unsubscribe: Array<() => void> = [];
  /** Job batches waiting for a commit, in order: settles once the last has gone. */
  private delivering: Promise<void> | undefined;

  constructor(private readonly sources: FeedSources) {
    this.watch = new RunningJobsWatch(sources.jobs);
    this.jobUpdates = new Coalescer(JOB_WINDOW_MS, (batch) => this.sendJobs(batch));
    this.fanout = new SseFanout({
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      pingIntervalMs: PING_INTERVAL_MS,
      onFirst: () => this.listen(),
      onLast: () => this.stop(),
    });
  }

  /** Streams the feed on `res` (a hijacked reply) until it closes. */
  attach(res: ServerResponse): void {
    this.fanout.add(res);
  }

  /** Ends every stream (the master is shutting down). */
  close(): void {
    this.fanout.close();
  }

  private listen(): void {
    const { hub, nodes, jobs, settings, remoteNodes } = this.sources;
    this.remote.reset(nodes.remote());
    this.unsubscribe = [
      hub.onNodeEvent((event) => this.sendNodeEvent(event)),
      nodes.onRemoteChange(() => this.sendRemoteNodes()),
      // Every master's jobs: one created here may run on a node of another, and the other way round
      // (their records, read back while a dashboard is connected; never their events).
      jobs.watch(({ job }) => this.jobUpdates.push(job.id, job), () => 'job'),
      settings.subscribe((current) => this.fanout.send('config', maskSettings(current))),
      remoteNodes.subscribe((list) => this.fanout.send('remote_nodes', list)),
    ];
  }

  private stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.jobUpdates.clear();
    this.watch.clear();
    this.remote.clear();
  }

  private sendNodeEvent({ event, node }: NodeEvent): void {
    this.fanout.send('node', { event, node: this.sources.nodes.own(node, this.watch.runningOn(node.name)) });
    if (event === 'disconnected') this.watch.forget(node.name);
  }

  /** The other masters' nodes, each as it came, changed (its running jobs too, as its master published them) or went. */
  private sendRemoteNodes(): void {
    for (const change of this.remote.changes(this.sources.nodes.remote())) this.fanout.send('node', change);
  }

  /**
   * Job changes are announced only once stored: the turn that made them has normally committed
   * long since, and then they go at once. A commit still in flight holds them, and the batches
   * after them, which go in order once it is done.
   */
  private sendJobs(batch: JobRecord[]): void {
    let commit: Commit;
    try {
      commit = this.sources.jobs.commit();
    } catch (error) {
      return this.lost(error);
    }
    if (commit === undefined && this.delivering === undefined) return this.deliver(batch);
    const stored = settled(commit).then(
      () => true,
      (error: unknown) => (this.lost(error), false),
    );
    const delivering = (this.delivering ?? Promise.resolve())
      .then(() => stored)
      .then((ok) => {
        if (this.delivering === delivering) this.delivering = undefined;
        if (ok) this.deliver(batch);
      });
    this.delivering = delivering;
  }

  private lost(error: unknown): void {
    this.sources.log.error({ err: error }, 'job changes could not be stored: dropping the dashboards that would hear of them');
    this.fanout.dropAll();
  }

  private deliver(batch: JobRecord[]): void {
    for (const job of batch) this.fanout.send('job', job);
    // Starting and ending jobs changes nodes' running jobs, of which the hub has no word (another
    // master's nodes come with theirs, as published: the jobs here of those are not looked at).
    const changed = new Set(this.watch.changedBy(batch));
    if (changed.size === 0) return;
    for (const node of this.sources.hub.listNodes()) {
      if (changed.has(node.name)) this.fanout.send('node', { event: 'updated', node: this.sources.nodes.own(node, this.watch.runningOn(node.name)) });
    }
  }
}
