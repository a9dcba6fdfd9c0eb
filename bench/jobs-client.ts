/**
 * The jobs bench's client process: the bench node, the load generator (POST /api/jobs) and the
 * log followers in one process, so that they share performance.now() (a job's send time travels
 * in its prompt, an event's emit time in its message). Its CPU is not charged to the pipeline.
 * With several masters (`postgres2`) it runs a node per master and sends the creates to each in turn.
 * Usage: node --import tsx bench/jobs-client.ts '<JobsSpec JSON>' — prints one JobsResult line.
 */
import { benchNodeName, diffParts, startBenchNodes, type BenchExecutor, type LogsPrompt, type StreamPrompt } from './bench-node.js';
import type { HttpClient } from './http-client.js';
import { PipelineMasters, type CpuFigures } from './jobs-masters.js';
import type { DeliveryResult, DeliverySpec, DispatchResult, DispatchSpec, IngestResult, IngestSpec, JobsResult, JobsSpec, ThroughputResult, ThroughputSpec } from './jobs-spec.js';
import { readMachineBusySec } from './proc.js';
import { SseFollower } from './sse-follower.js';
import { sleep, waitUntil } from './stats.js';
import { pace, summarize } from './traffic.js';

/** Longest wait for outstanding jobs or events once the load stops: past it the run has failed. */
const DRAIN_TIMEOUT_MS = 60_000;
/** Completed jobs whose stored record is read back at the end of a throughput run. */
const SPOT_CHECKS = 20;

function fail(error: unknown): never {
  process.stderr.write(`jobs client: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** With `idempotencyKeys`, every create gets a key of its own (`keyed` pipeline): what a key costs. */
let keys: { prefix: string; next: number } | undefined;

/** Creates a job (to run on the node named `node`, when given); resolves with its id. */
async function createJob(http: HttpClient, prompt: LogsPrompt | StreamPrompt, node?: string): Promise<number> {
  const key = keys === undefined ? '' : `idempotency-key: ${keys.prefix}${keys.next++}\r\n`;
  const response = await http.request('POST', '/api/jobs', JSON.stringify({ prompt: JSON.stringify(prompt), node }), key);
  const id = /"id":(\d+)/.exec(response.body)?.[1];
  if (response.status !== 201 || id === undefined) throw new Error(`POST /api/jobs answered ${response.status}: ${response.body.slice(0, 300)}`);
  return Number(id);
}

async function drained(done: () => boolean, what: string): Promise<void> {
  if (!(await waitUntil(done, DRAIN_TIMEOUT_MS))) throw new Error(`${what} after ${DRAIN_TIMEOUT_MS / 1000} s`);
}

/** Reads jobs back through the API: each must be stored as succeeded with every event. */
async function verifyStored(http: HttpClient, ids: number[], logs: number): Promise<void> {
  for (const id of ids) {
    const response = await http.request('GET', `/api/jobs/${id}`);
    const job = JSON.parse(response.body) as { status?: string; lastSeq?: number };
    if (job.status !== 'succeeded' || job.lastSeq !== logs + 2) {
      throw new Error(`job ${id} is stored as ${response.status} ${response.body.slice(0, 300)}; expected succeeded with ${logs + 2} events`);
    }
  }
}

/**
 * Posts jobs as fast as they complete, with at most `window` not completed, until the returned
 * function is called; it resolves with the ids of those posted once every one has completed.
 */
function saturate(node: BenchExecutor, masters: PipelineMasters, window: number, logs: number): () => Promise<number[]> {
  // Whoever calls this has let every earlier job complete.
  let posted = node.completed;
  let sending = true;
  // By the ids the masters gave: masters on one database take ids in blocks of their own, so they interleave.
  const ids: number[] = [];
  const pump = (): void => {
    while (sending && posted - node.completed < window) {
      posted++;
      createJob(masters.next(), { logs }).then((id) => ids.push(id), fail);
    }
  };
  node.onCompleted = pump;
  pump();
  return async () => {
    sending = false;
    await drained(() => node.completed === posted && ids.length === posted, `only ${node.completed} of ${posted} jobs completed`);
    return ids;
  };
}

async function runDispatch(spec: DispatchSpec, node: BenchExecutor, masters: PipelineMasters): Promise<DispatchResult> {
  const burst = saturate(node, masters, spec.burstWindow, spec.logs);
  await sleep(spec.burstMs);
  const before = (await burst()).length;
  const warmup = Math.round((spec.ratePerSec * spec.warmupMs) / 1000);
  const total = warmup + Math.round((spec.ratePerSec * spec.durationMs) / 1000);
  const creates: number[] = [];
  let measuredFrom = Number.POSITIVE_INFINITY;
  let cpuBefore: number[] = [];
  let lastId = 0;
  await pace(spec.ratePerSec, total, (seq) => {
    if (seq === warmup) [measuredFrom, cpuBefore] = [performance.now(), masters.cpuSec()];
    const sentAt = performance.now();
    createJob(masters.next(), { logs: spec.logs, sentAt }).then((id) => {
      lastId = Math.max(lastId, id);
      if (sentAt >= measuredFrom) creates.push(performance.now() - sentAt);
    }, fail);
  });
  await drained(() => node.completed === before + total, `only ${node.completed - before} of ${total} jobs completed`);
  const dispatch = node.starts.filter((s) => s.sentAt >= measuredFrom).map((s) => s.startedAt - s.sentAt);
  const cpu = masters.cpuUsPer(cpuBefore, dispatch.length);
  // By the id it was given: a pipeline on a seeded store (bench:retention) does not number from 1.
  await verifyStored(masters.first, [lastId], spec.logs);
  return {
    kind: 'dispatch',
    jobs: dispatch.length,
    dispatch: summarize(dispatch),
    create: summarize(creates),
    pipelineCpuUsPerJob: cpu.total,
    cpuUsByMaster: cpu.byMaster,
    created: node.completed,
  };
}

async function runThroughput(spec: ThroughputSpec, node: BenchExecutor, masters: PipelineMasters): Promise<ThroughputResult> {
  const stop = saturate(node, masters, spec.window, spec.logs);
  await sleep(spec.warmupMs);
  const start = { completed: node.completed, at: performance.now(), cpuSec: masters.cpuSec(), client: process.cpuUsage(), machineSec: readMachineBusySec() };
  await sleep(spec.durationMs);
  const count = node.completed - start.completed;
  const elapsedMs = performance.now() - start.at;
  const machineCores = ((readMachineBusySec() - start.machineSec) * 1000) / elapsedMs;
  const cpu = masters.cpuUsPer(start.cpuSec, count);
  const client = process.cpuUsage(start.client);
  const posted = await stop();
  // Spot-check the first, the last and some in between.
  const ids = Array.from({ length: SPOT_CHECKS }, (_, i) => posted[Math.floor((i * (posted.length - 1)) / (SPOT_CHECKS - 1))] ?? 0);
  await verifyStored(masters.first, ids, spec.logs);
  return {
    kind: 'throughput',
    jobsPerSec: (count * 1000) / elapsedMs,
    pipelineCpuUsPerJob: cpu.total,
    cpuUsByMaster: cpu.byMaster,
    clientCpuUsPerJob: (client.user + client.system) / count,
    machineCores,
    completed: node.completed,
  };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} after ${DRAIN_TIMEOUT_MS / 1000} s`)), DRAIN_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Streamed {
  emitted: number;
  firstAt: number;
  storedAt: number;
  cpu: CpuFigures;
  clientCpuUs: number;
  live: SseFollower;
  slow: SseFollower | undefined;
}

/**
 * One streaming job, followed live (and, with `slowPauseMs`, by a follower that stops reading).
 * With several masters it is created through the first and run by the node of the last, and
 * followed on the first: a log that crosses masters, as issue 19 asks of a fleet.
 */
async function streamJob(spec: IngestSpec, node: BenchExecutor, masters: PipelineMasters, events: number, slowPauseMs: number): Promise<Streamed> {
  let open = (): void => undefined;
  node.gate = new Promise((resolve) => (open = resolve));
  const count = masters.endpoints.length;
  const runner = count === 1 ? undefined : benchNodeName(count - 1, count);
  const jobId = await createJob(masters.first, { stream: events, batch: spec.batch, maxMs: spec.maxMs, unacked: spec.unacked }, runner);
  const live = new SseFollower(spec, jobId);
  const slow = slowPauseMs > 0 ? new SseFollower(spec, jobId) : undefined;
  // The `started` event reaching a follower shows it is live; only then does the job emit.
  await drained(() => live.lastSeq >= 1 && (slow === undefined || slow.lastSeq >= 1), 'the followers did not get the started event');
  slow?.pause(slowPauseMs);
  const [cpuBefore, clientBefore] = [masters.cpuSec(), process.cpuUsage()];
  open();
  await drained(() => node.stream?.jobId === jobId && node.stream.storedAt !== undefined, 'the streaming job did not complete');
  await within(live.ended, 'the live follower did not get the whole log');
  const { emitted, firstAt, storedAt } = node.stream ?? {};
  if (emitted === undefined || firstAt === undefined || storedAt === undefined) throw new Error('the streaming job left no progress');
  const cpu = masters.cpuUsPer(cpuBefore, emitted);
  const client = process.cpuUsage(clientBefore);
  if (slow) await within(slow.ended, 'the slow follower never caught up');
  return { emitted, firstAt, storedAt, cpu, clientCpuUs: client.user + client.system, live, slow };
}

async function runIngest(spec: IngestSpec, node: BenchExecutor, masters: PipelineMasters): Promise<IngestResult> {
  await streamJob(spec, node, masters, spec.warmupEvents, 0);
  const { emitted, firstAt, storedAt, cpu, clientCpuUs, live, slow } = await streamJob(spec, node, masters, spec.events, spec.slowPauseMs);
  return {
    kind: 'ingest',
    events: emitted,
    storedPerSec: (emitted * 1000) / (storedAt - firstAt),
    deliveredPerSec: (emitted * 1000) / (live.lastAt - firstAt),
    lag: summarize(live.lags),
    pipelineCpuUsPerEvent: cpu.total,
    cpuUsByMaster: cpu.byMaster,
    clientCpuUsPerEvent: clientCpuUs / emitted,
    ...(slow === undefined ? {} : { slowCaughtUpMs: Math.max(0, slow.lastAt - storedAt) }),
  };
}

/** One job, end to end: POST sent → its final event acknowledged; with the pipeline's CPU time (µs) for it. */
async function oneJob(spec: DeliverySpec, node: BenchExecutor, masters: PipelineMasters, http: HttpClient, diff: boolean): Promise<{ id: number; ms: number; cpuUs: number }> {
  const done = new Promise<void>((resolve) => (node.onCompleted = resolve));
  const [sentAt, cpuBefore] = [performance.now(), masters.cpuSec()];
  const id = await createJob(http, diff ? { logs: spec.logs, diffBytes: spec.diffBytes } : { logs: spec.logs });
  await within(done, `job ${id} did not complete`);
  const ms = performance.now() - sentAt;
  return { id, ms, cpuUs: masters.cpuUsPer(cpuBefore, 1).total };
}

async function runDelivery(spec: DeliverySpec, node: BenchExecutor, masters: PipelineMasters): Promise<DeliveryResult> {
  const plain: number[] = [];
  const withDiff: number[] = [];
  const cpu = { plain: 0, diff: 0 };
  let last = 0;
  for (let i = 0; i < spec.warmupPairs + spec.pairs; i++) {
    // Alternating, so that both kinds see the same machine at the same time; each pair through one master.
    const http = masters.next();
    const a = await oneJob(spec, node, masters, http, false);
    const b = await oneJob(spec, node, masters, http, true);
    last = b.id;
    if (i < spec.warmupPairs) continue;
    plain.push(a.ms);
    withDiff.push(b.ms);
    [cpu.plain, cpu.diff] = [cpu.plain + a.cpuUs, cpu.diff + b.cpuUs];
  }
  // The last job is a diff job: stored with every part, as any other event.
  const parts = diffParts(spec.diffBytes).length;
  const job = JSON.parse((await masters.first.request('GET', `/api/jobs/${last}`)).body) as { status?: string; lastSeq?: number };
  if (job.status !== 'succeeded' || job.lastSeq !== spec.logs + parts + 2) throw new Error(`job ${last} is stored as ${JSON.stringify(job).slice(0, 300)}; expected ${spec.logs + parts + 2} events`);
  return { kind: 'delivery', plain: summarize(plain), withDiff: summarize(withDiff), diffCpuUs: (cpu.diff - cpu.plain) / spec.pairs };
}

async function run(spec: JobsSpec): Promise<JobsResult> {
  if (spec.idempotencyKeys === true) keys = { prefix: `bench-${process.pid}-`, next: 1 };
  const executor = await startBenchNodes(spec, spec.slots);
  const masters = new PipelineMasters(spec, spec.kind === 'throughput' ? spec.connections : 1);
  switch (spec.kind) {
    case 'dispatch':
      return runDispatch(spec, executor, masters);
    case 'throughput':
      return runThroughput(spec, executor, masters);
    case 'ingest':
      return runIngest(spec, executor, masters);
    case 'delivery':
      return runDelivery(spec, executor, masters);
  }
}

// The driver is the only caller and builds the spec from the same types, so it is not re-validated.
const spec = JSON.parse(process.argv[2] ?? 'null') as JobsSpec | null;
if (spec === null) fail(new Error("usage: jobs-client.ts '<JobsSpec JSON>'"));
run(spec).then(
  // Exit rather than stop the node and close sockets: the pipeline is stopped right after anyway.
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
  fail,
);
