/**
 * `npm run bench`: the master's WebSocket hub against minimal `ws` hubs measured in the same run,
 * on loopback. Each measurement gets a fresh hub process and a fresh load-generator process; hubs
 * take turns in a rotating order so that drift on the machine does not favour one of them.
 * BENCH_QUICK=1 runs one short round (about a minute) instead of medians of three.
 */
import { availableParallelism } from 'node:os';
import { HUBS, runBench, startHub, type HubKind, type RunningHub } from './processes.js';
import { runRounds } from './rounds.js';
import { describeRun, formatRate, reportFanout, reportIdle, reportSteady, type Results } from './report.js';
import type { LoadResult, LoadSpec } from './spec.js';

const QUICK = process.env.BENCH_QUICK === '1';
const MODE = QUICK
  ? { name: 'quick', repeats: 1, warmupMs: 500, fanoutMs: 2000, steadyMs: 3000, settleMs: 500 }
  : { name: 'full', repeats: 3, warmupMs: 1000, fanoutMs: 5000, steadyMs: 5000, settleMs: 1000 };

const TARGETS = { fanoutRatio: 0.9, steadyP99Ms: 50, idleConnectSec: 2, idleKbPerConnection: 12 };

const FRAME_BYTES = 256;
/** Frames in flight in scenario A: enough to keep the hub busy, few enough to bound its queues. */
const FANOUT_WINDOW = 128;
const FANOUT_CLIENTS = 100;
const FANOUT_SAMPLE_EVERY = 16;
const STEADY_CLIENTS = 1000;
const STEADY_RATE = 200;
const STEADY_DRAIN_MS = 1000;
const IDLE_CLIENTS = 5000;
const IDLE_CONCURRENCY = 250;

interface Scenario {
  id: string;
  title: string;
  spec(hub: RunningHub): LoadSpec;
  report(title: string, results: Results): void;
}

function target(hub: RunningHub): { url: string; token?: string; hubPid: number } {
  return { url: hub.url, token: hub.token, hubPid: hub.pid };
}

const runs = MODE.repeats === 1 ? 'one run' : `median of ${MODE.repeats} runs`;

const SCENARIOS: Scenario[] = [
  {
    id: 'A',
    title:
      `A. Fan-out: 1 sender → ${FANOUT_CLIENTS - 1} receivers, ${FRAME_BYTES}-byte frames, as fast as delivery allows (${runs})\n` +
      `   ≤ ${FANOUT_WINDOW} frames in flight, ${MODE.fanoutMs / 1000} s measured after ${MODE.warmupMs / 1000} s warm-up; latency of every ${FANOUT_SAMPLE_EVERY}th frame`,
    spec: (hub) => ({
      kind: 'fanout',
      ...target(hub),
      clients: FANOUT_CLIENTS,
      messageBytes: FRAME_BYTES,
      window: FANOUT_WINDOW,
      warmupMs: MODE.warmupMs,
      durationMs: MODE.fanoutMs,
      sampleEvery: FANOUT_SAMPLE_EVERY,
    }),
    report: (title, results) => reportFanout(title, results, TARGETS.fanoutRatio),
  },
  {
    id: 'B',
    title:
      `B. Steady: 1 sender at ${STEADY_RATE} frames/s → ${STEADY_CLIENTS - 1} receivers, ${FRAME_BYTES}-byte frames, ` +
      `${formatRate(STEADY_RATE * (STEADY_CLIENTS - 1))} deliveries/s offered (${runs})\n` +
      `   ${MODE.steadyMs / 1000} s measured after ${MODE.warmupMs / 1000} s warm-up, then up to ${STEADY_DRAIN_MS / 1000} s for the rest to arrive; latency of every frame`,
    spec: (hub) => ({
      kind: 'steady',
      ...target(hub),
      clients: STEADY_CLIENTS,
      messageBytes: FRAME_BYTES,
      ratePerSec: STEADY_RATE,
      warmupMs: MODE.warmupMs,
      durationMs: MODE.steadyMs,
      drainMs: STEADY_DRAIN_MS,
      sampleEvery: 1,
    }),
    report: (title, results) => reportSteady(title, results, TARGETS.steadyP99Ms),
  },
  {
    id: 'C',
    title:
      `C. Idle: ${IDLE_CLIENTS} clients, ≤ ${IDLE_CONCURRENCY} handshakes in flight (${runs})\n` +
      `   connect time = until every handshake is done; master clients then send hello and await welcome;\n` +
      `   RSS and CPU read ${MODE.settleMs / 1000} s later`,
    spec: (hub) => ({
      kind: 'idle',
      ...target(hub),
      clients: IDLE_CLIENTS,
      concurrency: IDLE_CONCURRENCY,
      hello: hub.kind === 'master',
      settleMs: MODE.settleMs,
    }),
    report: (title, results) =>
      reportIdle(title, results, { maxConnectSec: TARGETS.idleConnectSec, maxKbPerConnection: TARGETS.idleKbPerConnection }),
  },
];

async function measure(scenario: Scenario, kind: HubKind): Promise<LoadResult> {
  const hub = await startHub(kind);
  try {
    return await hub.load(scenario.spec(hub));
  } finally {
    await hub.stop();
  }
}

function runScenario(scenario: Scenario, offset: number): Promise<Results> {
  return runRounds(HUBS, MODE.repeats, offset, (kind) => measure(scenario, kind), (kind, round, result) => {
    console.log(`  ${scenario.id} ${round + 1}/${MODE.repeats} ${kind.padEnd(7)} ${describeRun(result)}`);
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Hub bench (${MODE.name}): Node ${process.version}, ${availableParallelism()} cores, hub and load generator on the same machine, 127.0.0.1`);
  console.log('Each figure comes from a fresh hub process; "corked" and "plain" are minimal ws relays (bench/baseline-hub.ts).');
  console.log('"hub CPU" is the hub process\'s user+system time (from /proc) per delivery or connection: unlike throughput,');
  console.log('it is not diluted by the load generator, which shares the same cores.');
  for (const [index, scenario] of SCENARIOS.entries()) {
    console.log(`\n${scenario.id}: running…`);
    scenario.report(scenario.title, await runScenario(scenario, index));
  }
  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s. Targets are goals, not assertions: a miss does not fail the bench.`);
}

runBench(main);
