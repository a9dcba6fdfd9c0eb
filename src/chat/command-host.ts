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
  /** `/new`: the thread's next request starts a fresh Codex conversation. */
  reset(ctx: ChatContext): void;
  /** Starts a job for a request, continuing the thread's conversation. */
  request(ctx: ChatContext, request: CodexRequest): Promise<void>;
}
