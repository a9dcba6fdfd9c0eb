import type { Executor, RunContext } from '../node/index.js';
import type { JobEvent, JobResult, JobSpec } from '../protocol/index.js';

/** One step of a scripted job: wait `afterMs`, then emit `event`. */
export interface ScriptStep {
  afterMs: number;
  event: JobEvent;
}

/**
 * Runs jobs from a script chosen by the prompt, emitting each event after its delay, so a test
 * can watch a log grow live; a cancel stops it between steps, as a Codex turn stops.
 */
export class ScriptedExecutor implements Executor {
  readonly name = 'scripted';

  constructor(private readonly script: (job: JobSpec) => { steps: ScriptStep[]; result: Omit<JobResult, 'status' | 'durationMs'> }) {}

  async run(job: JobSpec, { emit, signal }: RunContext): Promise<JobResult> {
    const started = Date.now();
    const { steps, result } = this.script(job);
    for (const step of steps) {
      if (!(await sleep(step.afterMs, signal))) return { status: 'cancelled', filesChanged: [], commands: [], durationMs: Date.now() - started, error: 'cancelled' };
      emit(step.event);
    }
    return { ...result, status: 'succeeded', durationMs: Date.now() - started };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
