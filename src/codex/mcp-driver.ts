import { silentLogger, type Logger } from '../log/index.js';
import type { AppServerClient } from './app-server-client.js';
import { CodexError, DriverClosedError, ThreadBusyError, UnsupportedServerRequestError, type AppServerExitedError } from './errors.js';
import type { ApprovalDecision } from './events.js';
import { parseMcpEvent } from './mcp-events.js';
import { elicitationAnswer, initializeParams, parseElicitation, parseToolResult, toolCallParams, toolConfig } from './mcp-requests.js';
import { ask, declineAll, turnPolicy, type CodexQuestion, type QuestionPolicy } from './questions.js';
import type { DriverStatus, RunTurnOptions, TurnDriver, TurnDriverOptions } from './turn-driver.js';
import { TurnRun, type TurnResult } from './turn-run.js';
import { WarmServer } from './warm-server.js';

/** `args` defaults to `['mcp-server']`. */
export type McpCodexDriverOptions = TurnDriverOptions;

/** One `tools/call` in flight: the turn it runs, and whether a cancel waits for the turn to start. */
interface McpTurn {
  run: TurnRun;
  requestId: number;
  cancelWanted: boolean;
  /** Aborts when the turn ends: its unanswered questions are declined. */
  settled: AbortController;
}

/**
 * Drives one warm legacy `codex mcp-server` (Codex ≤ 0.153; 0.154 removed it) like `CodexDriver`
 * drives `codex app-server`: a turn is a `tools/call` of tool `codex` (new thread) or `codex-reply`
 * (continue one), its progress arrives as `codex/event` notifications, cancel is MCP's
 * `notifications/cancelled`, and approvals are `elicitation/create` requests. The server keeps
 * threads in memory only: continuing one after its process restarted fails with Codex's message.
 */
export class McpCodexDriver implements TurnDriver {
  private readonly server: WarmServer;
  private readonly log: Logger;
  /** For questions of turns without their own `onQuestion`. */
  private readonly questions: QuestionPolicy;
  private readonly config: Record<string, unknown>;
  /** Running turns by the id of their `tools/call` request (as a string: events carry it so). */
  private readonly turns = new Map<string, McpTurn>();

  constructor(options: McpCodexDriverOptions) {
    this.log = options.log ?? silentLogger();
    this.questions = { handler: options.questionHandler ?? declineAll, timeoutMs: options.questionTimeoutMs };
    this.config = toolConfig(options.configOverrides ?? {});
    this.server = new WarmServer(options, {
      subcommand: 'mcp-server',
      handshake: (client) => handshake(client),
      onNotification: (method, params) => this.onNotification(method, params),
      onServerRequest: (method, params) => this.onServerRequest(method, params),
      onExit: (error) => this.failAll(error),
    });
  }

  async start(): Promise<void> {
    await this.server.ready();
  }

  async runTurn(options: RunTurnOptions): Promise<TurnResult> {
    options.signal?.throwIfAborted();
    const { threadId } = options;
    if (threadId !== undefined && [...this.turns.values()].some((turn) => turn.run.threadId === threadId)) throw new ThreadBusyError(threadId);
    const client = await this.server.ready();
    const run = new TurnRun(threadId, options.onEvent, this.log, turnPolicy(options, this.questions));
    // The call lasts as long as the turn: no request timeout (the job's own timeout cancels it).
    const call = client.send('tools/call', toolCallParams(options, this.config), Infinity);
    const turn: McpTurn = { run, requestId: call.id, cancelWanted: false, settled: new AbortController() };
    this.turns.set(String(call.id), turn);
    void call.result.then(
      (answer) => this.onToolResult(turn, answer),
      (error: unknown) => run.fail(error as Error),
    );
    const stopListening = this.cancelOnAbort(turn, options.signal);
    try {
      return await run.result;
    } finally {
      stopListening();
      turn.settled.abort();
      this.turns.delete(String(call.id));
      // A cancelled call is never answered.
      client.forget(call.id);
    }
  }

  version(): Promise<string> {
    return this.server.version();
  }

  status(): DriverStatus {
    return this.server.status();
  }

  async close(): Promise<void> {
    this.failAll(new DriverClosedError());
    await this.server.close();
  }

  private failAll(error: DriverClosedError | AppServerExitedError): void {
    for (const turn of this.turns.values()) {
      turn.run.fail(error);
      turn.settled.abort();
    }
    this.turns.clear();
  }

  /** The answer ends the turn unless an event did: `isError` before the turn started means Codex refused it. */
  private onToolResult({ run }: McpTurn, answer: unknown): void {
    const { isError, text } = parseToolResult(answer);
    if (!isError) run.handle({ event: { type: 'turn_completed', status: 'completed' } });
    else if (run.turnId === undefined) run.fail(new CodexError(`codex mcp-server refused the turn: ${text}`));
    else run.handle({ event: { type: 'turn_completed', status: 'failed', ...(text && { error: text }) } });
  }

  /** Cancels once the turn has started: before that the server drops the cancel ("Session not found"). */
  private cancelOnAbort(turn: McpTurn, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    const onAbort = (): void => {
      turn.cancelWanted = true;
      if (turn.run.turnId !== undefined) this.sendCancel(turn);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    return () => signal.removeEventListener('abort', onAbort);
  }

  private sendCancel(turn: McpTurn): void {
    this.server.client?.notify('notifications/cancelled', { requestId: turn.requestId, reason: 'cancelled by the client' });
  }

  private onNotification(method: string, params: unknown): void {
    if (method !== 'codex/event') {
      this.log.trace({ method }, 'MCP notification that is not a Codex event');
      return;
    }
    const routed = parseMcpEvent(params);
    if (routed.malformed) this.log.warn({ err: routed.malformed, method: routed.event.type === 'other' ? routed.event.method : method }, 'a Codex event did not have the expected shape');
    const turn = routed.requestId === undefined ? undefined : this.turns.get(routed.requestId);
    if (!turn) {
      this.log.trace({ requestId: routed.requestId }, 'Codex event outside a running turn');
      return;
    }
    turn.run.handle(routed);
    if (routed.event.type === 'turn_started' && turn.cancelWanted) this.sendCancel(turn);
  }

  private async onServerRequest(method: string, params: unknown): Promise<unknown> {
    if (method === 'ping') return {};
    if (method !== 'elicitation/create') throw new UnsupportedServerRequestError(method);
    const { requestId, request } = parseElicitation(params);
    const { kind, threadId, turnId, itemId, command, cwd, reason } = request;
    const common = { method, threadId, turnId, itemId, ...(reason !== undefined && { reason }), decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] as ApprovalDecision[] };
    const question: CodexQuestion =
      kind === 'command' ? { kind, ...common, ...(command !== undefined && { command }), ...(cwd !== undefined && { cwd }) } : { kind, ...common, changes: [] };
    const turn = this.turns.get(requestId);
    const { handler, timeoutMs } = turn?.run.questions ?? this.questions;
    const answer = await ask(handler, question, this.log, timeoutMs, turn?.settled.signal);
    const decision: ApprovalDecision = question.decisions.includes(answer.decision) ? answer.decision : 'decline';
    turn?.run.emit({ type: 'approval_request', ...request, decision });
    return elicitationAnswer(decision, answer.text);
  }
}

/** The MCP handshake: `initialize`, then the `notifications/initialized` notification. */
async function handshake(client: AppServerClient): Promise<void> {
  await client.request('initialize', initializeParams);
  client.notify('notifications/initialized');
}
