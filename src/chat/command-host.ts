import type { Attachment } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import type { ChatContext } from './router.js';
import type { Session } from './sessions.js';
import type { JobGateway } from './types.js';

/** A change of a session's settings: a key set to `undefined` is unset. */
export type SessionChange = { [K in 'mode' | 'profile']?: Session[K] | undefined };

/** What the standalone runner adds to the shared commands. */
export interface LocalCommands {
  profiles: () => string[];
  /** Plain-text lines of `/status` for a session (mode, profile, recent run, `codex_mcp:`), in the asker's language. */
  statusLines: (session: Session, t: Catalog) => Promise<string[]>;
  /** Plain-text lines of `/start`, in the asker's language; those starting with `/` are its commands. */
  helpLines: (t: Catalog) => string[];
}

/** What a Codex request needs: the prompt, from `/run` a node and repository, and the files sent with it. */
export interface CodexRequest {
  prompt: string;
  node?: string;
  repo?: string;
  attachments?: Attachment[];
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
  /** Changes a session's settings (`/mode`, `/profile`); `undefined` unsets one. */
  updateSession(ctx: ChatContext, change: SessionChange): void;
  /** What the thread is doing now. */
  thread(ctx: ChatContext): ThreadView;
  /** `/new`: the thread's next request (and those already waiting) start a fresh Codex conversation. */
  reset(ctx: ChatContext): void;
  /** `/cancel`: stops the thread's job, or gives up on its unanswered submit, and drops the waiting requests. */
  cancel(ctx: ChatContext): Promise<CancelOutcome>;
  /** Starts a job for a request, continuing the thread's conversation, or queues it behind the thread's job. */
  request(ctx: ChatContext, request: CodexRequest): Promise<void>;
}
