import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Executor, RunContext } from '../node/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';

/**
 * What a streaming job does, as its prompt (JSON): emit `events` log events, `batch` at a time,
 * waiting `everyMs` between batches (0: one event-loop turn), each message padded to `size`
 * characters (so a test can reach a byte limit).
 */
export interface StreamSpec {
  events: number;
  batch?: number;
  everyMs?: number;
  size?: number;
}

/** One run of a job on this executor, as it goes. */
export interface StreamRun {
  jobId: number;
  attempt: number;
  emitted: number;
  /** `aborted`: the node's abort signal stopped it before it had emitted everything. */
  outcome: 'running' | 'completed' | 'aborted';
}

/** A job's prompt for `StreamExecutor`. */
export function streamPrompt(spec: StreamSpec): string {
  return JSON.stringify(spec);
}

/** The message of log event `index` of a job's run: the audit reads job, attempt and index back from it. */
function streamMessage(jobId: number, attempt: number, index: number, size = 0): string {
  const text = `j${jobId} a${attempt} e${index}`;
  return text.length >= size ? text : `${text} ${'.'.repeat(size - text.length - 1)}`;
}

const MESSAGE = /^j(\d+) a(\d+) e(\d+)\b/;

/** Job, attempt and index of a `streamMessage`, or undefined for any other text. */
export function parseStreamMessage(message: string): { jobId: number; attempt: number; index: number } | undefined {
  const match = MESSAGE.exec(message);
  return match ? { jobId: Number(match[1]), attempt: Number(match[2]), index: Number(match[3]) } : undefined;
}

/**
 * An executor that streams numbered log events as its prompt says (`StreamSpec`), for fault
 * tests: every message names its job, attempt and index, so what the master stored can be checked
 * event by event, and every run is recorded, so a re-run or an old copy that kept going shows.
 */
export class StreamExecutor implements Executor {
  readonly name = 'stream';
  readonly runs: StreamRun[] = [];
  /** Called whenever a run starts, emits a batch or ends (e.g. to report it from a child process). */
  onChange: (run: StreamRun) => void = () => undefined;

  /** `gate`: awaited before a run emits anything, so a test can set a fault up first. */
  constructor(private readonly gate: (job: JobSpec) => Promise<void> = () => Promise.resolve()) {}

  async run(job: JobSpec, { emit, signal }: RunContext): Promise<JobResult> {
    const started = Date.now();
    const spec = JSON.parse(job.prompt) as StreamSpec;
    const run: StreamRun = { jobId: job.id, attempt: job.attempt, emitted: 0, outcome: 'running' };
    this.runs.push(run);
    this.onChange(run);
    await this.gate(job);
    const batch = Math.max(1, spec.batch ?? 1);
    while (run.emitted < spec.events && !signal.aborted) {
      const end = Math.min(spec.events, run.emitted + batch);
      for (; run.emitted < end; run.emitted++) {
        emit({ kind: 'log', level: 'info', message: streamMessage(job.id, job.attempt, run.emitted, spec.size) });
      }
      this.onChange(run);
      await pause(spec.everyMs ?? 0, signal);
    }
    run.outcome = run.emitted < spec.events ? 'aborted' : 'completed';
    this.onChange(run);
    const durationMs = Date.now() - started;
    if (run.outcome === 'aborted') return { status: 'cancelled', filesChanged: [], commands: [], durationMs, error: 'cancelled' };
    return { status: 'succeeded', finalMessage: `j${job.id} a${job.attempt} done`, filesChanged: [], commands: [], durationMs };
  }

  /** Runs of one job, in the order they started. */
  runsOf(jobId: number): StreamRun[] {
    return this.runs.filter((run) => run.jobId === jobId);
  }
}

/** Waits `ms` (or one event-loop turn for 0), returning early when the signal aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    if (ms > 0) await sleep(ms, undefined, { signal });
    else await nextTurn();
  } catch {
    // Aborted: the loop sees the signal and stops.
  }
}
