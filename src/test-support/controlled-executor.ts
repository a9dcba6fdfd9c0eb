import type { Executor, RunContext } from '../node/index.js';
import type { JobEvent, JobResult, JobSpec } from '../protocol/index.js';
import { waitFor } from './wait.js';

/** A run the test drives: it emits what the test tells it to and ends when the test says so. */
export interface ControlledRun {
  readonly spec: JobSpec;
  readonly signal: AbortSignal;
  emit(event: JobEvent): void;
  /** Ends the run as succeeded (with these fields of the result). */
  finish(result?: Partial<JobResult>): void;
}

/**
 * An executor whose runs wait for the test: each one is listed in `runs` as it starts, emits only
 * through `emit`, and ends on `finish`, or as cancelled as soon as its signal aborts.
 */
export class ControlledExecutor implements Executor {
  readonly name = 'controlled';
  readonly runs: ControlledRun[] = [];

  run(spec: JobSpec, { emit, signal }: RunContext): Promise<JobResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const end = (result: Partial<JobResult>) => resolve({ status: 'succeeded', filesChanged: [], commands: [], durationMs: Date.now() - started, ...result });
      signal.addEventListener('abort', () => end({ status: 'cancelled', error: 'cancelled' }), { once: true });
      this.runs.push({ spec, signal, emit, finish: end });
    });
  }

  /** The run of attempt `attempt` (default: any) of job `jobId`, once it has started. */
  waitForRun(jobId: number, attempt?: number): Promise<ControlledRun> {
    const find = () => this.runs.find((run) => run.spec.id === jobId && (attempt === undefined || run.spec.attempt === attempt));
    return waitFor(find, `job ${jobId}${attempt === undefined ? '' : ` attempt ${attempt}`} to start`);
  }
}
