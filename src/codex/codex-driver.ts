import { z } from 'zod';
import { silentLogger, type Logger } from '../log/index.js';
import { VERSION } from '../paths.js';
import type { AppServerClient } from './app-server-client.js';
import { DriverClosedError, ThreadBusyError, type AppServerExitedError } from './errors.js';
import { parseNotification, startedFileChange, type ApprovalDecision, type CodexEvent, type FileChange } from './events.js';
import { PROCESS_WARNINGS } from './ignored-notifications.js';
import { parseQuestion, replyTo } from './question-methods.js';
import { ask, declineAll, turnPolicy, type CodexQuestion, type QuestionAnswer, type QuestionPolicy } from './questions.js';
import { accountAnswerSchema, parseAnswer, threadAnswerSchema, threadSettings, turnAnswerSchema, turnParams } from './requests.js';
import type { AccountStatus } from './start-failure.js';
import type { DriverStatus, RunTurnOptions, TurnDriver, TurnDriverOptions } from './turn-driver.js';
import { describeRateLimit, isRateLimited } from './turn-notices.js';
import { TurnRun, type TurnResult } from './turn-run.js';
import { WarmServer } from './warm-server.js';

/** `args` defaults to `['app-server']`. */
export type CodexDriverOptions = TurnDriverOptions;

/** `configWarning` ({summary, details, path}) and `warning` / `deprecationNotice` ({message} or {summary, details}). */
const processWarning = z.object({ summary: z.string().nullish(), message: z.string().nullish(), details: z.string().nullish(), path: z.string().nullish() });

/**
 * Drives one warm `codex app-server` process: starts it on first use (or `start()`), restarts it
 * with backoff when it dies, and runs turns on threads. A dying process fails its running turns
 * with `AppServerExitedError`; the next turn gets a fresh process.
 */
export class CodexDriver implements TurnDriver {
  private readonly server: WarmServer;
  private readonly log: Logger;
  /** For questions of turns without their own `onQuestion` (and of no running turn). */
  private readonly questions: QuestionPolicy;
  /** The changes of file-change items in progress, for the file-change approval that names only the item. */
  private readonly pendingChanges = new Map<string, FileChange[]>();
  /** Questions the handler has not answered yet, by thread: aborted (declined) when their turn ends. */
  private readonly pendingQuestions = new Map<string, Set<AbortController>>();
  private readonly turns = new Map<string, TurnRun>();
  /** Threads the current process has loaded; a new process has loaded none. */
  private readonly loadedThreads = new Set<string>();
  /** Whether the last rate-limit update said the account is limited (logged on each change). */
  private rateLimited = false;

  constructor(options: CodexDriverOptions) {
    this.log = options.log ?? silentLogger();
    this.questions = { handler: options.questionHandler ?? declineAll, timeoutMs: options.questionTimeoutMs };
    this.server = new WarmServer(options, {
      subcommand: 'app-server',
      handshake: (client) => handshake(client),
      onNotification: (method, params) => this.onNotification(method, params),
      onServerRequest: (method, params) => this.onServerRequest(method, params),
      onExit: (error) => this.onExit(error),
    });
  }

  /** Starts the process and completes the handshake, unless that already happened. */
  async start(): Promise<void> {
    await this.server.ready();
  }

  /** Whether Codex has credentials for its model provider (`account/read`). */
  async account(): Promise<AccountStatus> {
    const client = await this.server.ready();
    const { account, requiresOpenaiAuth } = parseAnswer(accountAnswerSchema, 'account/read', await client.request('account/read', {}));
    return { loggedIn: account !== null, requiresOpenaiAuth };
  }

  /**
   * Runs one turn to its end. A failed or interrupted turn resolves with that status; it rejects
   * only when the turn could not run (process died, request refused, signal aborted beforehand).
   */
  async runTurn(options: RunTurnOptions): Promise<TurnResult> {
    options.signal?.throwIfAborted();
    if (options.threadId !== undefined && this.turns.has(options.threadId)) throw new ThreadBusyError(options.threadId);
    const client = await this.server.ready();
    const { threadId, configured } = await this.openThread(client, options);
    if (this.turns.has(threadId)) throw new ThreadBusyError(threadId);
    const run = new TurnRun(threadId, options.onEvent, this.log, turnPolicy(options, this.questions));
    this.turns.set(threadId, run);
    const stopListening = this.interruptOnAbort(run, options.signal);
    try {
      const started = parseAnswer(turnAnswerSchema, 'turn/start', await client.request('turn/start', turnParams(threadId, options, !configured)));
      run.started(started.turn.id);
      if (options.signal?.aborted) this.interruptRun(run);
      return await run.result;
    } catch (error) {
      run.fail(error as Error);
      throw error;
    } finally {
      stopListening();
      if (this.turns.get(threadId) === run) this.turns.delete(threadId);
      this.settleQuestions(threadId);
    }
  }

  /**
   * Asks Codex to stop a running turn; its `runTurn` then resolves with status `interrupted`.
   * Without a running process there is no turn to stop, and this does nothing.
   */
  async interrupt(threadId: string, turnId: string): Promise<void> {
    await this.server.client?.request('turn/interrupt', { threadId, turnId });
  }

  /** The Codex version, from `<command> --version` (cached). */
  version(): Promise<string> {
    return this.server.version();
  }

  status(): DriverStatus {
    return this.server.status();
  }

  /** Fails running turns with `DriverClosedError` and stops the process; the driver is done. */
  async close(): Promise<void> {
    for (const run of this.turns.values()) run.fail(new DriverClosedError());
    this.turns.clear();
    this.settleQuestions();
    await this.server.close();
  }

  private onExit(error: AppServerExitedError): void {
    this.loadedThreads.clear();
    this.pendingChanges.clear();
    this.settleQuestions();
    for (const run of this.turns.values()) run.fail(error);
    this.turns.clear();
  }

  /**
   * Starts or loads the turn's thread. `configured`: it was just started or resumed with this
   * turn's settings, so `turn/start` need not repeat them (Codex takes ~8 ms longer when it does).
   */
  private async openThread(client: AppServerClient, options: RunTurnOptions): Promise<{ threadId: string; configured: boolean }> {
    const settings = { cwd: options.cwd, ...threadSettings(options) };
    if (options.threadId === undefined) {
      const { thread } = parseAnswer(threadAnswerSchema, 'thread/start', await client.request('thread/start', settings));
      this.loadedThreads.add(thread.id);
      return { threadId: thread.id, configured: true };
    }
    if (this.loadedThreads.has(options.threadId)) return { threadId: options.threadId, configured: false };
    // excludeTurns: the history stays in the process; sending it back to us is deprecated and slow.
    await client.request('thread/resume', { threadId: options.threadId, ...settings, excludeTurns: true });
    this.loadedThreads.add(options.threadId);
    return { threadId: options.threadId, configured: true };
  }

  private interruptOnAbort(run: TurnRun, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    const onAbort = (): void => this.interruptRun(run);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  /** Interrupts once the turn id is known; before that, `runTurn` calls again after `turn/start`. */
  private interruptRun(run: TurnRun): void {
    const { threadId, turnId } = run;
    if (threadId === undefined || turnId === undefined) return;
    this.interrupt(threadId, turnId).catch((error: unknown) => this.log.warn({ err: error, threadId }, 'could not interrupt a Codex turn'));
  }

  private onNotification(method: string, params: unknown): void {
    const routed = parseNotification(method, params);
    if (routed.malformed) this.log.warn({ err: routed.malformed, method }, 'a Codex notification did not have the expected shape');
    if (method === 'thread/closed' && routed.threadId !== undefined) this.loadedThreads.delete(routed.threadId);
    if (method === 'item/started') {
      const started = startedFileChange(params);
      if (started) this.pendingChanges.set(started.itemId, started.changes);
    } else if (routed.event.type === 'file_change') this.pendingChanges.delete(routed.event.itemId);
    if (routed.event.type === 'rate_limits') return this.onRateLimits(routed.event);
    const run = routed.threadId === undefined ? undefined : this.turns.get(routed.threadId);
    if (run) run.handle(routed);
    else if (PROCESS_WARNINGS.has(method)) this.onProcessWarning(method, params);
    else this.log.trace({ method }, 'Codex notification outside a running turn');
  }

  /**
   * Codex's words about itself. A `configWarning` is worth a warning: for a config.toml it cannot
   * read, Codex goes on with its defaults (another sandbox, another model) rather than refusing.
   */
  private onProcessWarning(method: string, params: unknown): void {
    const warning = processWarning.safeParse(params);
    if (!warning.success) return this.log.info({ method, params }, 'codex app-server warning');
    const { summary, details, path } = warning.data;
    const text = [summary ?? warning.data.message, details, path && `(${path})`].filter(Boolean).join(' ');
    if (method === 'configWarning') this.log.warn({ method, path }, `Codex: ${text}`);
    else this.log.info({ method }, `Codex: ${text}`);
  }

  /**
   * The account's limits concern every turn of this process: each running turn hears of them (its
   * job says it waits for Codex rather than looking stuck), and the node's log says so once per change.
   */
  private onRateLimits(event: Extract<CodexEvent, { type: 'rate_limits' }>): void {
    const limited = isRateLimited(event);
    if (limited !== this.rateLimited) {
      this.rateLimited = limited;
      if (limited) this.log.warn({ rateLimits: event }, describeRateLimit(event));
      else this.log.info('Codex is no longer rate limited');
    }
    for (const run of this.turns.values()) run.emit(event);
  }

  /** Asks the handler of the question's turn (the driver's when no turn of its thread runs). */
  private async ask(question: CodexQuestion): Promise<QuestionAnswer> {
    const key = question.threadId ?? '';
    const { handler, timeoutMs } = this.turns.get(key)?.questions ?? this.questions;
    const settled = new AbortController();
    const pending = this.pendingQuestions.get(key) ?? new Set<AbortController>();
    this.pendingQuestions.set(key, pending.add(settled));
    try {
      return await ask(handler, question, this.log, timeoutMs, settled.signal);
    } finally {
      pending.delete(settled);
      if (pending.size === 0 && this.pendingQuestions.get(key) === pending) this.pendingQuestions.delete(key);
    }
  }

  /** Declines the unanswered questions of a thread (its turn ended), or of every thread. */
  private settleQuestions(threadId?: string): void {
    const sets = threadId === undefined ? [...this.pendingQuestions.values()] : [this.pendingQuestions.get(threadId) ?? new Set<AbortController>()];
    for (const set of sets) for (const controller of set) controller.abort();
  }

  /**
   * Every request Codex sends is a question for the handler; its answer becomes the reply the
   * method expects. An unknown kind is still asked (and logged), then answered with a JSON-RPC error.
   */
  private async onServerRequest(method: string, params: unknown): Promise<unknown> {
    let question: CodexQuestion = parseQuestion(method, params);
    if (question.kind === 'file_change' && question.changes.length === 0 && question.itemId !== undefined) {
      question = { ...question, changes: this.pendingChanges.get(question.itemId) ?? [] };
    }
    if (question.kind === 'unknown') this.log.warn({ method }, 'Codex sent a request this client does not know; asking, then refusing it');
    const answer = await this.ask(question);
    const reply = replyTo(question, answer);
    const run = question.threadId === undefined ? undefined : this.turns.get(question.threadId);
    if (run && (question.kind === 'command' || question.kind === 'file_change')) {
      const decision: ApprovalDecision = question.decisions.includes(answer.decision) ? answer.decision : 'decline';
      const { kind, itemId = '', reason } = question;
      const command = question.kind === 'command' ? question.command : undefined;
      const cwd = question.kind === 'command' ? question.cwd : undefined;
      run.emit({ type: 'approval_request', kind, itemId, ...(command !== undefined && { command }), ...(cwd !== undefined && { cwd }), ...(reason !== undefined && { reason }), decision });
    }
    return reply;
  }
}

/** The app-server handshake: `initialize`, then the `initialized` notification. */
async function handshake(client: AppServerClient): Promise<void> {
  await client.request('initialize', { clientInfo: { name: 'codex_super_client', title: 'codex-super-client', version: VERSION }, capabilities: { experimentalApi: false, requestAttestation: false } });
  client.notify('initialized');
}
