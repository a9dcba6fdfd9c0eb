import type { AccountStatus } from './start-failure.js';
import type { Logger } from '../log/index.js';
import type { CodexEvent } from './events.js';
import type { QuestionHandler } from './questions.js';
import type { TurnSettings } from './requests.js';
import type { TurnResult } from './turn-run.js';

/** What both drivers take: the Codex program, its arguments and environment, and how to treat it. */
export interface TurnDriverOptions {
  /** Default: the native binary of the installed `@openai/codex` package, else `codex` on PATH. */
  command?: string;
  /** The subcommand and its options, after any launcher arguments (`-y @openai/codex@0.153.4 mcp-server`); each driver has its default. */
  args?: readonly string[];
  /** Each entry becomes `-c key=value` after `args`; values are TOML (a bare word is a string). */
  configOverrides?: Readonly<Record<string, string>>;
  /** The environment Codex inherits: the node's own (`CODEX_HOME` included), from the config layer. */
  baseEnv: NodeJS.ProcessEnv;
  /** Laid over `baseEnv`; `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers every request Codex sends the client (approvals, questions, elicitations); default: decline. */
  questionHandler?: QuestionHandler;
  /** How long the handler may take before the question is declined; default 10 minutes. */
  questionTimeoutMs?: number;
  log?: Logger;
  /** For every JSON-RPC request but a whole MCP tool call, `initialize` included; default 30 s. */
  requestTimeoutMs?: number;
  /** Restart delay after a crash: doubles per crash from `initialMs` up to `maxMs`. */
  restartBackoff?: { initialMs: number; maxMs: number };
}

export interface RunTurnOptions extends TurnSettings {
  /**
   * Continue this thread; default: a new thread. The app-server resumes a thread from disk when
   * its process has not loaded it; the MCP server knows only the threads of its own process.
   */
  threadId?: string;
  onEvent?: (event: CodexEvent) => void;
  /** Aborting interrupts the turn, which then ends `interrupted`. */
  signal?: AbortSignal;
  /**
   * Answers this turn's questions instead of the driver's `questionHandler` (a job's node asks its
   * master, a chat runner its chat). Its signal aborts when the question is moot: the turn ended,
   * or `questionTimeoutMs` passed, and the question was declined.
   */
  onQuestion?: QuestionHandler;
  /** This turn's limit for a question instead of the driver's; `Infinity`: none (`onQuestion` settles each itself). */
  questionTimeoutMs?: number;
}

export interface DriverStatus {
  running: boolean;
  ready: boolean;
  pid: number | undefined;
  uptimeSec: number;
}

/**
 * Runs Codex turns on one warm Codex process, whatever protocol it speaks: `CodexDriver`
 * (`codex app-server`) or `McpCodexDriver` (the legacy `codex mcp-server`, Codex ≤ 0.153).
 */
export interface TurnDriver {
  /** Starts the process and completes the handshake, unless that already happened. */
  start(): Promise<void>;
  /**
   * Runs one turn to its end. A failed or interrupted turn resolves with that status; it rejects
   * only when the turn could not run (process died, request refused, signal aborted beforehand).
   */
  runTurn(options: RunTurnOptions): Promise<TurnResult>;
  /** The Codex version, from `<command> --version` (cached). */
  version(): Promise<string>;
  status(): DriverStatus;
  /** Fails running turns with `DriverClosedError` and stops the process; the driver is done. */
  close(): Promise<void>;
  /** Whether Codex has credentials for its model provider; absent where the protocol cannot say (the legacy MCP server). */
  account?(): Promise<AccountStatus>;
}
