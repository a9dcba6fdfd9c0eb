import type { CodexQuestion } from '../codex/index.js';
import type { JobEvent, JobResult, JobSpec, QuestionAnswer } from '../protocol/index.js';
import type { InboxFile } from './job-inbox.js';

/** A job's files: those that came with it, and where files to send back go. */
export interface JobFiles {
  /** Absolute: where `inbox` is (`.csc/inbox/` of the workspace). */
  inboxDir: string;
  /** Already in `inboxDir`. */
  inbox: InboxFile[];
  /** Absolute: regular files left here after the run go back to the requester. */
  outboxDir: string;
}

/** What an executor gets besides the job: where to run, how to report, when to stop, whom to ask. */
export interface RunContext {
  /** The job's workspace (its checkout, or the node's working directory). */
  cwd: string;
  emit: (event: JobEvent) => void;
  signal: AbortSignal;
  /**
   * Puts one of Codex's questions to the people behind the job and resolves with their answer.
   * It settles every question itself: declined when `signal` aborts (the turn is over), the job
   * stops, or nobody answers for long. Absent (a context that cannot ask): Codex's questions are
   * declined.
   */
  ask?: (question: CodexQuestion, signal: AbortSignal) => Promise<QuestionAnswer>;
  /** Absent: the context handles no files (nothing came in, nothing goes back). */
  files?: JobFiles;
}

/** Runs one job: reports steps through `emit` and resolves with the standard result. */
export interface Executor {
  readonly name: string;
  run(job: JobSpec, context: RunContext): Promise<JobResult>;
}

/**
 * Answers with the prompt: for demos and smoke tests only, so it runs only where a node was
 * started with it explicitly (`allow_echo_executor`).
 */
export class EchoExecutor implements Executor {
  readonly name = 'echo';

  constructor(private readonly delayMs = 0) {}

  async run(job: JobSpec, { emit, signal }: RunContext): Promise<JobResult> {
    const started = Date.now();
    if (this.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const durationMs = Date.now() - started;
    if (signal.aborted) return { status: 'cancelled', filesChanged: [], commands: [], durationMs, error: 'cancelled' };
    emit({ kind: 'agent_message', text: job.prompt });
    return { status: 'succeeded', finalMessage: job.prompt, summary: job.prompt.slice(0, 200), filesChanged: [], commands: [], durationMs };
  }
}
