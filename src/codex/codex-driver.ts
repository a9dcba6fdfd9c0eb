import { silentLogger, type Logger } from '../log/index.js';
import { VERSION } from '../paths.js';
import { AppServerClient } from './app-server-client.js';
import { APPROVAL_METHODS, declineAll, parseApprovalRequest, type ApprovalPolicy } from './approvals.js';
import { defaultCodexCommand, readCodexVersion } from './codex-binary.js';
import { AppServerExitedError, CodexStartError, DriverClosedError, ThreadBusyError, UnsupportedServerRequestError, type ExitInfo } from './errors.js';
import { parseNotification, type CodexEvent } from './events.js';
import { parseAnswer, threadAnswerSchema, threadSettings, turnAnswerSchema, turnParams, type TurnSettings } from './requests.js';
import { TurnRun, type TurnResult } from './turn-run.js';

export interface CodexDriverOptions {
  /** Default: the native binary of the installed `@openai/codex` package, else `codex` on PATH. */
  command?: string;
  /** Default `['app-server']`. */
  args?: readonly string[];
  /** Each entry becomes `-c key=value` after `args`; values are TOML (a bare word is a string). */
  configOverrides?: Readonly<Record<string, string>>;
  /** The environment Codex inherits: the node's own (`CODEX_HOME` included), from the config layer. */
  baseEnv: NodeJS.ProcessEnv;
  /** Laid over `baseEnv`; `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers Codex's approval requests; default: decline. */
  approvalPolicy?: ApprovalPolicy;
  log?: Logger;
  /** For every JSON-RPC request, `initialize` included; default 30 s. */
  requestTimeoutMs?: number;
  /** Restart delay after a crash: doubles per crash from `initialMs` up to `maxMs`. */
  restartBackoff?: { initialMs: number; maxMs: number };
}

export interface RunTurnOptions extends TurnSettings {
  /** Continue this thread (resumed from disk if this process has not loaded it); default: a new thread. */
  threadId?: string;
  onEvent?: (event: CodexEvent) => void;
  /** Aborting interrupts the turn, which then ends `interrupted`. */
  signal?: AbortSignal;
}

export interface DriverStatus {
  running: boolean;
  ready: boolean;
  pid: number | undefined;
  uptimeSec: number;
}

/** One app-server process and what it has loaded. */
interface Session {
  client: AppServerClient;
  startedAt: number;
  ready: boolean;
  loadedThreads: Set<string>;
}

/** A process that stayed up this long was healthy: its crash restarts without accumulated delay. */
const STABLE_AFTER_MS = 60_000;
/** Notifications about the process or its configuration (e.g. bubblewrap missing), worth a log line. */
const PROCESS_WARNINGS = new Set(['configWarning', 'deprecationNotice', 'warning']);

/**
 * Drives one warm `codex app-server` process: starts it on first use (or `start()`), restarts it
 * with backoff when it dies, and runs turns on threads. A dying process fails its running turns
 * with `AppServerExitedError`; the next turn gets a fresh process.
 */
export class CodexDriver {
  private readonly command: string;
  private readonly args: string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  private readonly approvalPolicy: ApprovalPolicy;
  private readonly turns = new Map<string, TurnRun>();
  private session: Session | undefined;
  private starting: Promise<Session> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private closed = false;
  private versionPromise: Promise<string> | undefined;

  constructor(private readonly options: CodexDriverOptions) {
    this.command = options.command ?? defaultCodexCommand();
    const overrides = Object.entries(options.configOverrides ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    this.args = [...(options.args ?? ['app-server']), ...overrides];
    this.env = mergeEnv(options.baseEnv, options.env ?? {});
    this.log = options.log ?? silentLogger();
    this.approvalPolicy = options.approvalPolicy ?? declineAll;
  }

  /** Starts the process and completes the handshake, unless that already happened. */
  async start(): Promise<void> {
    await this.ready();
  }

  /**
   * Runs one turn to its end. A failed or interrupted turn resolves with that status; it rejects
   * only when the turn could not run (process died, request refused, signal aborted beforehand).
   */
  async runTurn(options: RunTurnOptions): Promise<TurnResult> {
    options.signal?.throwIfAborted();
    if (options.threadId !== undefined && this.turns.has(options.threadId)) throw new ThreadBusyError(options.threadId);
    const session = await this.ready();
    const threadId = await this.openThread(session, options);
    if (this.turns.has(threadId)) throw new ThreadBusyError(threadId);
    const run = new TurnRun(threadId, options.onEvent, this.log);
    this.turns.set(threadId, run);
    const stopListening = this.interruptOnAbort(run, options.signal);
    try {
      const started = parseAnswer(turnAnswerSchema, 'turn/start', await session.client.request('turn/start', turnParams(threadId, options)));
      run.started(started.turn.id);
      if (options.signal?.aborted) this.interruptRun(run);
      return await run.result;
    } catch (error) {
      run.fail(error as Error);
      throw error;
    } finally {
      stopListening();
      if (this.turns.get(threadId) === run) this.turns.delete(threadId);
    }
  }

  /**
   * Asks Codex to stop a running turn; its `runTurn` then resolves with status `interrupted`.
   * Without a running process there is no turn to stop, and this does nothing.
   */
  async interrupt(threadId: string, turnId: string): Promise<void> {
    const session = this.session;
    if (!session?.ready) return;
    await session.client.request('turn/interrupt', { threadId, turnId });
  }

  /** The Codex version, from `<command> --version` (cached). */
  version(): Promise<string> {
    this.versionPromise ??= readCodexVersion(this.command, this.env);
    this.versionPromise.catch(() => (this.versionPromise = undefined));
    return this.versionPromise;
  }

  status(): DriverStatus {
    const session = this.session;
    const running = session?.client.running ?? false;
    return {
      running,
      ready: running && (session?.ready ?? false),
      pid: running ? session?.client.pid : undefined,
      uptimeSec: running && session ? Math.floor((Date.now() - session.startedAt) / 1000) : 0,
    };
  }

  /** Fails running turns with `DriverClosedError` and stops the process; the driver is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    for (const run of this.turns.values()) run.fail(new DriverClosedError());
    this.turns.clear();
    await this.session?.client.close();
  }

  private ready(): Promise<Session> {
    if (this.closed) return Promise.reject(new DriverClosedError());
    if (this.session?.ready) return Promise.resolve(this.session);
    clearTimeout(this.restartTimer);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawn(): Promise<Session> {
    const client = new AppServerClient({
      command: this.command,
      args: this.args,
      env: this.env,
      log: this.log,
      ...(this.options.requestTimeoutMs !== undefined && { requestTimeoutMs: this.options.requestTimeoutMs }),
      onNotification: (method, params) => this.onNotification(method, params),
      onServerRequest: (method, params) => this.onServerRequest(method, params),
    });
    const session: Session = { client, startedAt: Date.now(), ready: false, loadedThreads: new Set() };
    this.session = session;
    void client.exited.then((exit) => this.onExit(session, exit));
    try {
      await client.request('initialize', { clientInfo: { name: 'codex_super_client', title: 'codex-super-client', version: VERSION }, capabilities: { experimentalApi: false, requestAttestation: false } });
      client.notify('initialized');
    } catch (error) {
      client.kill('SIGKILL');
      throw new CodexStartError(`could not start ${this.command} ${this.args.join(' ')}: ${(error as Error).message}`, { cause: error });
    }
    if (this.closed) {
      await client.close();
      throw new DriverClosedError();
    }
    session.ready = true;
    this.log.info({ pid: client.pid }, 'codex app-server ready');
    return session;
  }

  private onExit(session: Session, exit: ExitInfo): void {
    if (this.session !== session) return;
    this.session = undefined;
    const error = new AppServerExitedError(exit, 'while a turn was running');
    for (const run of this.turns.values()) run.fail(error);
    this.turns.clear();
    if (this.closed || !session.ready) return;
    this.log.warn({ code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-500) }, 'codex app-server died; restarting');
    if (Date.now() - session.startedAt >= STABLE_AFTER_MS) this.crashes = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const { initialMs, maxMs } = this.options.restartBackoff ?? { initialMs: 250, maxMs: 30_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.crashes++, 20));
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.ready().catch((error: unknown) => {
        this.log.warn({ err: error }, 'codex app-server restart failed');
        if (!this.closed) this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }

  private async openThread(session: Session, options: RunTurnOptions): Promise<string> {
    const settings = { cwd: options.cwd, ...threadSettings(options) };
    if (options.threadId === undefined) {
      const { thread } = parseAnswer(threadAnswerSchema, 'thread/start', await session.client.request('thread/start', settings));
      session.loadedThreads.add(thread.id);
      return thread.id;
    }
    if (!session.loadedThreads.has(options.threadId)) {
      // excludeTurns: the history stays in the process; sending it back to us is deprecated and slow.
      await session.client.request('thread/resume', { threadId: options.threadId, ...settings, excludeTurns: true });
      session.loadedThreads.add(options.threadId);
    }
    return options.threadId;
  }

  private interruptOnAbort(run: TurnRun, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    const onAbort = (): void => this.interruptRun(run);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  /** Interrupts once the turn id is known; before that, `runTurn` calls again after `turn/start`. */
  private interruptRun(run: TurnRun): void {
    if (run.turnId === undefined) return;
    this.interrupt(run.threadId, run.turnId).catch((error: unknown) => this.log.warn({ err: error, threadId: run.threadId }, 'could not interrupt a Codex turn'));
  }

  private onNotification(method: string, params: unknown): void {
    const routed = parseNotification(method, params);
    if (routed.malformed) this.log.warn({ err: routed.malformed, method }, 'a Codex notification did not have the expected shape');
    if (method === 'thread/closed' && routed.threadId !== undefined) this.session?.loadedThreads.delete(routed.threadId);
    const run = routed.threadId === undefined ? undefined : this.turns.get(routed.threadId);
    if (run) run.handle(routed);
    else if (PROCESS_WARNINGS.has(method)) this.log.info({ method, params }, 'codex app-server warning');
    else this.log.trace({ method }, 'Codex notification outside a running turn');
  }

  private async onServerRequest(method: string, params: unknown): Promise<unknown> {
    const kind = APPROVAL_METHODS[method];
    if (kind === undefined) throw new UnsupportedServerRequestError(method);
    const request = parseApprovalRequest(kind, params);
    const decision = await Promise.resolve()
      .then(() => this.approvalPolicy(request))
      .catch((error: unknown) => {
        this.log.warn({ err: error }, 'the approval policy threw; declining');
        return 'decline' as const;
      });
    this.turns.get(request.threadId)?.emit({ type: 'approval_request', ...request, decision });
    return { decision };
  }
}

function mergeEnv(base: NodeJS.ProcessEnv, overrides: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
