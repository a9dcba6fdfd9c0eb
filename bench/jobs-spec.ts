/** What the jobs bench driver asks one client process (bench node + load generator) to do. */
import type { Latency } from './spec.js';

export type JobsSpec = DispatchSpec | ThroughputSpec | IngestSpec | DeliverySpec;

/** One server process of a pipeline: its two addresses on loopback and its pid. */
export interface MasterEndpoint {
  httpUrl: string;
  wsUrl: string;
  /** The process, whose CPU time is read from /proc. */
  pid: number;
}

/** A pipeline under test: the real master or the bare baseline, both on loopback. */
export interface PipelineTarget extends MasterEndpoint {
  /** Bearer token of the HTTP API (of every master, with `peers`). */
  adminToken: string;
  /** Token the node presents on the WebSocket upgrade (to every master, with `peers`). */
  nodeToken: string;
  /**
   * The other masters on the same database (`postgres2`): the client spreads the creates, the
   * nodes and the slots over all of them, and reads the CPU time of each.
   */
  peers?: MasterEndpoint[];
  /** Send every POST /api/jobs with an `Idempotency-Key` of its own (what idempotent creates cost). */
  idempotencyKeys?: boolean;
}

interface Common extends PipelineTarget {
  /** Jobs the bench node runs at once. */
  slots: number;
}

/**
 * Scenario 1: jobs created at a fixed rate; time from sending the POST to the job reaching the
 * node. A burst of jobs as fast as they complete comes first, so that the pipeline's code is as
 * optimized (JIT) as in a server that has been up for a while; then the paced warm-up.
 */
export interface DispatchSpec extends Common {
  kind: 'dispatch';
  burstMs: number;
  /** Jobs not completed during the burst, at most. */
  burstWindow: number;
  ratePerSec: number;
  logs: number;
  warmupMs: number;
  durationMs: number;
}

/** Scenario 2: jobs created as fast as they complete, with at most `window` not yet completed. */
export interface ThroughputSpec extends Common {
  kind: 'throughput';
  logs: number;
  window: number;
  /** HTTP connections the POSTs are spread over (pipelined on each). */
  connections: number;
  warmupMs: number;
  durationMs: number;
}

/** Scenario 3: one job streaming log events as fast as they are stored, followed live over SSE. */
export interface IngestSpec extends Common {
  kind: 'ingest';
  /** Events of the measured job (it stops earlier when `maxMs` is up). */
  events: number;
  maxMs: number;
  /** Events emitted per turn of the node's event loop. */
  batch: number;
  /** Events emitted but not yet acknowledged, at most: the node's own flow control. */
  unacked: number;
  /** Events of an unmeasured job run first, so that both sides are warm. */
  warmupEvents: number;
  /** A second follower stops reading for this long once the job starts (0: no second follower). */
  slowPauseMs: number;
}

/**
 * Scenario 4: one job at a time, end to end (POST sent → its final event acknowledged, i.e. stored),
 * alternately without a diff and with a `diffBytes` diff, so both are measured in the same run.
 */
export interface DeliverySpec extends Common {
  kind: 'delivery';
  /** Jobs of each kind measured. */
  pairs: number;
  /** Pairs run first and not measured, so that both paths are warm. */
  warmupPairs: number;
  logs: number;
  diffBytes: number;
}

export interface DispatchResult {
  kind: 'dispatch';
  jobs: number;
  /** POST sent → the bench executor starts the job. */
  dispatch: Latency;
  /** POST sent → its response received. */
  create: Latency;
  pipelineCpuUsPerJob: number;
  /** Jobs the client created in the run, burst included: what the store server's CPU is spread over. */
  created: number;
  cpuUsByMaster?: number[];
}

export interface ThroughputResult {
  kind: 'throughput';
  jobsPerSec: number;
  pipelineCpuUsPerJob: number;
  /** With `peers`: the pipeline's CPU figure split by master, in the target's order (the same for the other results). */
  cpuUsByMaster?: number[];
  clientCpuUsPerJob: number;
  /** Cores busy machine-wide over the measured span (/proc/stat): this run's processes and any other work. */
  machineCores: number;
  /** Jobs completed in the whole run (warm-up and drain included), all checked as stored. */
  completed: number;
}

export interface IngestResult {
  kind: 'ingest';
  events: number;
  /** First event emitted → last one acknowledged (stored). */
  storedPerSec: number;
  /** First event emitted → last one received by the live follower. */
  deliveredPerSec: number;
  /** Event emitted → received by the live follower. */
  lag: Latency;
  pipelineCpuUsPerEvent: number;
  cpuUsByMaster?: number[];
  /** The client's CPU time over the same span: a saturated client would show up as lag too. */
  clientCpuUsPerEvent: number;
  /** With a slow follower: how long after the last event was stored it had everything (ms). */
  slowCaughtUpMs?: number;
}

export interface DeliveryResult {
  kind: 'delivery';
  /** POST sent → final event acknowledged, a job without a diff. */
  plain: Latency;
  /** The same with a `diffBytes` diff. */
  withDiff: Latency;
  /** The pipeline's CPU time per job with a diff, less per job without one. */
  diffCpuUs: number;
}

export type JobsResult = DispatchResult | ThroughputResult | IngestResult | DeliveryResult;
