import type { CodexQuestion } from '../codex/index.js';
import type { Executor, RunContext } from '../node/index.js';
import type { JobEvent, JobResult, JobSpec, QuestionAnswer } from '../protocol/index.js';
import { waitFor } from './wait.js';

/** A run the test drives step by step: what it emits, what it asks, when it ends. */
export interface DrivenRun {
  readonly spec: JobSpec;
  readonly signal: AbortSignal;
  /** Every event emitted through `emit`, in order (the node numbers them). */
  readonly emitted: JobEvent[];
  /** How the run ended (undefined while it runs). */
  readonly ended: JobResult['status'] | undefined;
  emit(event: JobEvent): void;
  /** Puts a question to the people behind the job, as Codex does through the node; resolves with their answer. */
  ask(question: CodexQuestion): Promise<QuestionAnswer>;
  /** Ends the run as succeeded (with these fields of the result). */
  finish(result?: Partial<JobResult>): void;
}

/**
 * An executor for tests about where a job runs rather than what it does: each run waits for the
 * test, emitting and asking only when told to, and ends on `finish` (or as cancelled as soon as
 * its signal aborts). Every run is kept, so a test can count how often a job ran.
 */
export class DrivenExecutor implements Executor {
  readonly name = 'driven';
  readonly runs: DrivenRun[] = [];

  run(spec: JobSpec, context: RunContext): Promise<JobResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const emitted: JobEvent[] = [];
      let ended: JobResult['status'] | undefined;
      const end = (result: Partial<JobResult>): void => {
        if (ended !== undefined) return;
        const full: JobResult = { status: 'succeeded', filesChanged: [], commands: [], durationMs: Date.now() - started, ...result };
        ended = full.status;
        resolve(full);
      };
      context.signal.addEventListener('abort', () => end({ status: 'cancelled', error: 'cancelled' }), { once: true });
      this.runs.push({
        spec,
        signal: context.signal,
        emitted,
        get ended() {
          return ended;
        },
        emit: (event) => {
          emitted.push(event);
          context.emit(event);
        },
        ask: (question) => {
          if (!context.ask) throw new Error('this run cannot ask (its context has no ask)');
          return context.ask(question, context.signal);
        },
        finish: end,
      });
    });
  }

  /** Every run of job `jobId` so far (more than one: it ran again). */
  runsOf(jobId: number): DrivenRun[] {
    return this.runs.filter((run) => run.spec.id === jobId);
  }

  /** The first run of job `jobId`, once it has started. */
  waitForRun(jobId: number, timeoutMs = 20_000): Promise<DrivenRun> {
    return waitFor(() => this.runsOf(jobId)[0], `job ${jobId} to start on a driven node`, timeoutMs);
  }
}
