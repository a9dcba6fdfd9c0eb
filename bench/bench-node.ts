/**
 * The node both pipelines are measured with: the real node worker (`createNodeWorker`, as `csc
 * node` runs it) with a bench executor. Each job's prompt is JSON saying what to do:
 *   {"logs":N,"sentAt":T?,"diffBytes":D?}  emit N log events (then, with D, a D-byte unified diff as
 *     `diff` events of at most 256 KiB each, as a node sends a job's change) and succeed (T, the
 *     POST's send time, is recorded);
 *   {"stream":E,"batch":B,"maxMs":M,"unacked":U}  emit up to E log events, B per event-loop turn,
 *     never more than U unacknowledged, for at most M ms; each message is `t<emit time in ms>`.
 * Times are this process's performance.now(): the load generator and followers live here too.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { childEnvironment } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { Workspaces, createNodeWorker, type Executor, type NodeWorker, type RunContext } from '../src/node/index.js';
import type { JobEvent, JobResult, JobSpec } from '../src/protocol/index.js';
import type { PipelineTarget } from './jobs-spec.js';
import { waitUntil } from './stats.js';

export interface LogsPrompt {
  logs: number;
  sentAt?: number;
  /** Size of the unified diff the job ends with (none when absent). */
  diffBytes?: number;
}

export interface StreamPrompt {
  stream: number;
  batch: number;
  maxMs: number;
  unacked: number;
}

/** What a streaming job has done so far; `storedAt` is set when its final event is acknowledged. */
export interface StreamProgress {
  jobId: number;
  firstAt: number;
  emitted: number;
  storedAt?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** The node's part size for `diff` events (the contract of issue 14). */
const DIFF_PART_CHARS = 256 * 1024;
const SUCCEEDED: JobResult = { status: 'succeeded', filesChanged: [], commands: [], durationMs: 0 };

export class BenchExecutor implements Executor {
  readonly name = 'bench';
  /** Jobs whose final event the pipeline has acknowledged, i.e. stored with the job's final state. */
  completed = 0;
  onCompleted: () => void = () => undefined;
  /** Send and start times of jobs whose prompt carried a send time. */
  readonly starts: Array<{ sentAt: number; startedAt: number }> = [];
  /** A streaming job waits for this before it emits, so that followers can attach first. */
  gate: Promise<void> = Promise.resolve();
  stream: StreamProgress | undefined;
  private readonly finalSeqs = new Map<number, number>();
  private readonly ackedSeqs = new Map<number, number>();
  private waiter: { jobId: number; seq: number; resolve: () => void } | undefined;

  async run(job: JobSpec, { emit }: RunContext): Promise<JobResult> {
    const prompt = JSON.parse(job.prompt) as LogsPrompt | StreamPrompt;
    // The runner numbers events from nextSeq: `started` first, then ours, then `finished`.
    const emitted = 'stream' in prompt ? await this.runStream(job, prompt, emit) : this.runLogs(prompt, emit);
    this.finalSeqs.set(job.id, job.nextSeq + emitted + 1);
    return SUCCEEDED;
  }

  /** Called for every `job_ack` the node gets. */
  acknowledged(jobId: number, seq: number): void {
    this.ackedSeqs.set(jobId, seq);
    const final = this.finalSeqs.get(jobId);
    if (final !== undefined && seq >= final) {
      this.finalSeqs.delete(jobId);
      this.ackedSeqs.delete(jobId);
      this.completed++;
      if (this.stream?.jobId === jobId) this.stream.storedAt = performance.now();
      this.onCompleted();
    }
    if (this.waiter?.jobId === jobId && seq >= this.waiter.seq) {
      this.waiter.resolve();
      this.waiter = undefined;
    }
  }

  private runLogs(prompt: LogsPrompt, emit: (event: JobEvent) => void): number {
    if (prompt.sentAt !== undefined) this.starts.push({ sentAt: prompt.sentAt, startedAt: performance.now() });
    for (let i = 0; i < prompt.logs; i++) emit({ kind: 'log', level: 'info', message: `bench log line ${i}` });
    if (prompt.diffBytes === undefined) return prompt.logs;
    const parts = diffParts(prompt.diffBytes);
    parts.forEach((text, i) => emit({ kind: 'diff', part: i + 1, parts: parts.length, text }));
    return prompt.logs + parts.length;
  }

  private async runStream(job: JobSpec, prompt: StreamPrompt, emit: (event: JobEvent) => void): Promise<number> {
    await this.gate;
    const progress: StreamProgress = { jobId: job.id, firstAt: performance.now(), emitted: 0 };
    this.stream = progress;
    const deadline = progress.firstAt + prompt.maxMs;
    while (progress.emitted < prompt.stream && performance.now() < deadline) {
      const count = Math.min(prompt.batch, prompt.stream - progress.emitted);
      for (let i = 0; i < count; i++) emit({ kind: 'log', level: 'info', message: `t${performance.now().toFixed(3)}` });
      progress.emitted += count;
      // Log event k has seq nextSeq + k, so this keeps at most `unacked` events unacknowledged.
      await this.ackedUpTo(job.id, job.nextSeq + progress.emitted - prompt.unacked);
      // A turn of the event loop, so that the runner's flush and the socket I/O (acks) happen.
      await nextTurn();
    }
    return progress.emitted;
  }

  private ackedUpTo(jobId: number, seq: number): Promise<void> {
    if (seq <= (this.ackedSeqs.get(jobId) ?? 0)) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { jobId, seq, resolve }));
  }
}

const diffs = new Map<number, string[]>();

/** A unified diff of `bytes` ASCII bytes (new files of numbered lines) cut into parts: made once per size. */
export function diffParts(bytes: number): string[] {
  let parts = diffs.get(bytes);
  if (parts) return parts;
  const chunks: string[] = [];
  let size = 0;
  for (let file = 1; size < bytes; file++) {
    const lines = Array.from({ length: 200 }, (_, i) => `+export const value${i} = 'line ${i} of file ${file}, as Codex might write it';\n`);
    const text = `diff --git a/src/file-${file}.ts b/src/file-${file}.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/file-${file}.ts\n@@ -0,0 +1,200 @@\n${lines.join('')}`;
    chunks.push(text);
    size += text.length;
  }
  const diff = chunks.join('').slice(0, bytes);
  parts = Array.from({ length: Math.ceil(diff.length / DIFF_PART_CHARS) }, (_, i) => diff.slice(i * DIFF_PART_CHARS, (i + 1) * DIFF_PART_CHARS));
  diffs.set(bytes, parts);
  return parts;
}

/** The bench node that starts at master `index` of `count`: a node alone keeps the name it always had. */
export function benchNodeName(index: number, count: number): string {
  return count === 1 ? 'bench-node' : `bench-node-${index + 1}`;
}

/**
 * One bench node per master of the target, all running their jobs on one executor (job ids are
 * unique across masters on one database): node i starts at master i and lists the others after it,
 * as `csc node --master` spreads a fleet, and `slots` are split between them, so that two masters
 * serve the same fleet as one does. Resolves once every node is welcomed.
 */
export async function startBenchNodes(target: PipelineTarget, slots: number): Promise<BenchExecutor> {
  const urls = [target.wsUrl, ...(target.peers ?? []).map((peer) => peer.wsUrl)];
  const executor = new BenchExecutor();
  const each = Math.ceil(slots / urls.length);
  await Promise.all(urls.map((url, i) => startBenchNode([url, ...urls.slice(i + 1), ...urls.slice(0, i)], target.nodeToken, each, benchNodeName(i, urls.length), executor)));
  return executor;
}

/** Connects a bench node to the first of `urls` and resolves once it is welcomed (and so can take jobs). */
async function startBenchNode(urls: readonly [string, ...string[]], token: string, slots: number, name: string, executor: BenchExecutor): Promise<NodeWorker> {
  let fatal: Error | undefined;
  const worker = createNodeWorker(
    {
      urls,
      name,
      nodeId: `${name}-0001`,
      tags: [],
      version: 'bench',
      slots,
      executor,
      // Bench jobs have no repository: Workspaces only hands out defaultWorkdir and creates nothing.
      workspaces: new Workspaces({ dir: join(tmpdir(), 'csc-bench-node'), defaultWorkdir: tmpdir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: '',
      onFatal: (error) => (fatal = error),
    },
    silentLogger(),
  );
  const runner = worker.runner;
  if (!runner) throw new Error('the bench node has no job runner');
  // The runner has no hook for acknowledgements, and an acknowledgement is exactly what says "stored".
  const acknowledge = runner.acknowledge.bind(runner);
  runner.acknowledge = (jobId, seq) => {
    acknowledge(jobId, seq);
    executor.acknowledged(jobId, seq);
  };
  worker.agent.start();
  if (!(await waitUntil(() => worker.agent.connected || fatal !== undefined, CONNECT_TIMEOUT_MS)) || fatal) {
    throw new Error(`bench node ${name} could not connect to ${urls[0]}: ${fatal?.message ?? 'timed out'}`);
  }
  return worker;
}
