import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FINAL_JOB_STATUSES, JobStatusSchema, NodeStatusSchema, type JobStatus, type NodeInfo } from '../../protocol/index.js';
import type { HubObserver } from '../hub/index.js';
import type { JobRecord, JobStore } from '../store/index.js';
import { JobMetrics, type JobFigures } from './job-metrics.js';
import { processRegistry } from './process-metrics.js';

/** What the metrics read when scraped. */
export interface MetricSources {
  /** The connected nodes (`Hub.listNodes`). */
  nodes: () => readonly NodeInfo[];
  /** The unfinished jobs as the job service holds them (`JobService.unfinished`). */
  unfinished: () => Iterable<JobRecord>;
  /** The finished jobs are counted by the store. */
  store: Pick<JobStore, 'countByStatus'>;
  version: string;
}

const FINAL: readonly JobStatus[] = JobStatusSchema.options.filter((status) => FINAL_JOB_STATUSES.has(status));
const CHAT_PLATFORMS = ['slack', 'telegram'] as const;

/** Seconds: from a scheduler's milliseconds to a shift's hours. */
const DISPATCH_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600];
const JOB_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 43_200];
const APPROVAL_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** A commit is tens of microseconds; an fsync on a busy disk, milliseconds; past a second something is wrong. */
const COMMIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/**
 * The master's Prometheus metrics (`GET /metrics`), on a registry of its own. Gauges are read
 * when scraped (nodes from the hub, unfinished jobs from the job service's memory, finished ones
 * counted by the store); histograms and counters are fed as things happen: job figures from the
 * job updates (`JobMetrics`), commit times from the store, cut-offs and chat errors from the hub.
 */
export class MasterMetrics implements HubObserver {
  readonly registry = new Registry();
  /** Feeds the job figures; subscribe it to `JobService.subscribe`. */
  readonly jobs: JobMetrics;
  private readonly commitSeconds: Histogram;
  private readonly cutoffs: Counter;
  private readonly chatErrors: Counter<'platform'>;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    new Gauge({ name: 'csc_build_info', help: 'The master\'s version (always 1).', labelNames: ['version'], registers }).set({ version: sources.version }, 1);
    this.nodeGauge(registers);
    this.jobGauges(registers);
    this.jobs = new JobMetrics(this.jobFigures(registers), sources.unfinished());
    this.commitSeconds = new Histogram({ name: 'csc_store_commit_seconds', help: 'Time of each store commit (one transaction per unit of work: the writes of an event-loop turn).', buckets: COMMIT_BUCKETS, registers });
    this.cutoffs = new Counter({ name: 'csc_ws_send_buffer_cutoffs_total', help: 'WebSocket connections cut for reading too slowly (MASTER_MAX_SEND_BUFFER).', registers });
    this.chatErrors = new Counter({ name: 'csc_chat_errors_total', help: 'Failed calls to a chat platform, as the bridges report them.', labelNames: ['platform'], registers });
    for (const platform of CHAT_PLATFORMS) this.chatErrors.inc({ platform }, 0);
  }

  /** The metrics in the Prometheus text format: the process's, then the master's. */
  async render(): Promise<string> {
    const [process, master] = await Promise.all([processRegistry().metrics(), this.registry.metrics()]);
    return `${process}\n${master}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A store commit took this long (`Store.observeCommits`). */
  readonly commitTook = (seconds: number): void => this.commitSeconds.observe(seconds);

  sendBufferCutoff(): void {
    this.cutoffs.inc();
  }

  chatError(platform: 'slack' | 'telegram'): void {
    this.chatErrors.inc({ platform });
  }

  private nodeGauge(registers: Registry[]): void {
    const { nodes } = this.sources;
    const gauge: Gauge<'status'> = new Gauge({
      name: 'csc_nodes',
      help: 'Connected nodes by status.',
      labelNames: ['status'],
      registers,
      collect: () => {
        const counts = new Map<string, number>(NodeStatusSchema.options.map((status) => [status, 0]));
        for (const node of nodes()) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
        for (const [status, count] of counts) gauge.set({ status }, count);
      },
    });
  }

  private jobGauges(registers: Registry[]): void {
    const { unfinished, store } = this.sources;
    let oldestQueued: number | undefined;
    const counts = new Map<JobStatus, number>();
    const jobs: Gauge<'status'> = new Gauge({
      name: 'csc_jobs',
      help: 'Jobs by state: unfinished ones as the master holds them, finished ones as stored.',
      labelNames: ['status'],
      registers,
      collect: async () => {
        for (const status of JobStatusSchema.options) counts.set(status, 0);
        oldestQueued = undefined;
        for (const job of unfinished()) {
          counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
          if (job.status === 'queued') oldestQueued = Math.min(oldestQueued ?? Infinity, Date.parse(job.createdAt));
        }
        const stored = await store.countByStatus();
        for (const status of FINAL) counts.set(status, stored[status]);
        for (const [status, count] of counts) jobs.set({ status }, count);
      },
    });
    // Read after `csc_jobs` (registration order), from the same pass over the jobs: prom-client
    // starts every collect of a scrape in that order before awaiting any, and the pass runs
    // before this one's first await.
    const queue: Gauge = new Gauge({ name: 'csc_queue_length', help: 'Jobs waiting for a node.', registers, collect: () => queue.set(counts.get('queued') ?? 0) });
    const age: Gauge = new Gauge({
      name: 'csc_queue_oldest_age_seconds',
      help: 'How long the oldest queued job has existed (0: the queue is empty).',
      registers,
      collect: () => age.set(oldestQueued === undefined ? 0 : Math.max(0, (Date.now() - oldestQueued) / 1000)),
    });
  }

  private jobFigures(registers: Registry[]): JobFigures {
    const dispatch = new Histogram({ name: 'csc_dispatch_latency_seconds', help: 'From a job\'s creation to its first assignment to a node.', buckets: DISPATCH_BUCKETS, registers });
    const duration = new Histogram({ name: 'csc_job_duration_seconds', help: 'From a job\'s creation to its final state, by that state.', labelNames: ['status'], buckets: JOB_BUCKETS, registers });
    // Counted in a plain number, handed to prom-client when scraped: its `inc` cost more than the rest of an update.
    let ingested = 0;
    const events: Counter = new Counter({
      name: 'csc_job_events_ingested_total',
      help: 'Job events stored (from nodes, and the master\'s own).',
      registers,
      collect: () => {
        events.reset();
        events.inc(ingested);
      },
    });
    const approval = new Histogram({ name: 'csc_approval_wait_seconds', help: 'From a question of Codex to its answer (a person\'s or the timeout\'s).', buckets: APPROVAL_BUCKETS, registers });
    for (const status of FINAL) duration.zero({ status });
    return {
      dispatched: (seconds) => dispatch.observe(seconds),
      finished: (status, seconds) => duration.observe({ status }, seconds),
      eventsIngested: (count) => {
        ingested += count;
      },
      approvalWaited: (seconds) => approval.observe(seconds),
    };
  }
}
