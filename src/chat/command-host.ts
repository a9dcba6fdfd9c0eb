import type { ChatContext } from './router.js';
import type { Session } from './sessions.js';
import type { JobGateway } from './types.js';

/** What the standalone runner adds to the shared commands. */
export interface LocalCommands {
  profiles: () => string[];
  /** Plain-text lines of `/status` for a session (mode, profile, recent run, `codex_mcp:`). */
  statusLines: (session: Session) => Promise<string[]>;
  /** Plain-text lines of `/start`. */
  helpLines: string[];
}

/** What a Codex request needs: the prompt and, from `/run`, a node and repository. */
export interface CodexRequest {
  prompt: string;
  node?: string;
  repo?: string;
}

/** What a thread is doing, for `/status`, `/new` and `/cancel`. */
export interface ThreadView {
  runningJobId?: number;
  /** A request was sent and its answer (the job) has not come yet. */
  submitting: boolean;
  /** Requests waiting behind the running job, in order. */
  waiting: number;
}

/** What `/cancel` did: the job it stopped, or the unanswered submit it gave up on; the requests it dropped. */
export interface CancelOutcome {
  jobId?: number;
  abandoned: boolean;
  dropped: number;
}

/**
 * What the shared commands need of the engine that runs them (`ChatEngine` is the one), so that
 * the commands do not depend on the engine's module, which registers them.
 */
export interface CommandHost {
  readonly gateway: JobGateway;
  readonly local: LocalCommands | undefined;
  /** The running job and last job of a thread. */
  session(ctx: ChatContext): Session;
  /** Changes a session's settings (`/mode`, `/profile`). */
  updateSession(ctx: ChatContext, change: Pick<Session, 'mode' | 'profile'>): void;
  /** What the thread is doing now. */
  thread(ctx: ChatContext): ThreadView;
  /** `/new`: the thread's next request (and those already waiting) start a fresh Codex conversation. */
  reset(ctx: ChatContext): void;
  /** `/cancel`: stops the thread's job, or gives up on its unanswered submit, and drops the waiting requests. */
  cancel(ctx: ChatContext): Promise<CancelOutcome>;
  /** Starts a job for a request, continuing the thread's conversation, or queues it behind the thread's job. */
  request(ctx: ChatContext, request: CodexRequest): Promise<void>;
}
