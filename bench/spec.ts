/** What the bench driver asks one load-generator process to do (passed as JSON in argv). */
export type LoadSpec = FanoutSpec | SteadySpec | IdleSpec;

interface Target {
  url: string;
  /** Sent as `Authorization: Bearer`; the baselines have no auth. */
  token?: string;
  /** The hub's process, whose CPU time and RSS are read from /proc. */
  hubPid: number;
}

/** Scenario A: one sender, as fast as delivery allows, with at most `window` frames in flight. */
export interface FanoutSpec extends Target {
  kind: 'fanout';
  clients: number;
  messageBytes: number;
  window: number;
  warmupMs: number;
  durationMs: number;
  /** Latency is recorded for every `sampleEvery`-th frame, at every receiver. */
  sampleEvery: number;
}

/** Scenario B: one sender at a fixed rate, scheduled by absolute time. */
export interface SteadySpec extends Target {
  kind: 'steady';
  clients: number;
  messageBytes: number;
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  sampleEvery: number;
}

/** Scenario C: connect many clients that then stay idle; RSS is read from the hub's /proc entry. */
export interface IdleSpec extends Target {
  kind: 'idle';
  clients: number;
  concurrency: number;
  /** Send a node `hello` on open and wait for the `welcome` (the master only). */
  hello: boolean;
  settleMs: number;
}

/** Latency percentiles in milliseconds, measured over the sampled frames. */
export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

/** Throughput over the measured window, and the hub's CPU time per delivery over the same window. */
interface Traffic {
  deliveriesPerSec: number;
  hubCpuUsPerDelivery: number;
  latency: Latency;
}

export interface FanoutResult extends Traffic {
  kind: 'fanout';
}

export interface SteadyResult extends Traffic {
  kind: 'steady';
  sent: number;
  undelivered: number;
}

export interface IdleResult {
  kind: 'idle';
  /** Until every handshake completed (the master's welcomes are awaited only before reading RSS). */
  connectSec: number;
  /** The hub's CPU time from the first handshake to the RSS reading, per connection. */
  hubCpuUsPerConnection: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  kbPerConnection: number;
}

/** The one JSON line a load-generator process prints on stdout. */
export type LoadResult = FanoutResult | SteadyResult | IdleResult;
