import type { Logger } from '../log/index.js';
import type { CodexEvent, RoutedEvent, TokenUsage, TurnStatus } from './events.js';
import type { QuestionPolicy } from './questions.js';

/** How a turn ended. `usage` adds up the model requests of this turn only. */
export interface TurnResult {
  threadId: string;
  turnId: string;
  status: TurnStatus;
  /** Codex's own message for a failed turn (e.g. the model endpoint's error). */
  error?: string;
  /** Codex's error category (`codexErrorInfo`), e.g. `internalServerError`, `badRequest`. */
  errorCode?: string;
  /** The text of the last agent message. */
  finalMessage?: string;
  usage?: TokenUsage;
}

/** One turn in flight: forwards its events and settles when `turn_completed` (or a failure) arrives. */
export class TurnRun {
  readonly result: Promise<TurnResult>;
  private resolve!: (result: TurnResult) => void;
  private reject!: (error: Error) => void;
  private thread: string | undefined;
  private id: string | undefined;
  private finalMessage: string | undefined;
  private usage: TokenUsage | undefined;
  private lastError: { message: string; code?: string } | undefined;
  private settled = false;

  /** `threadId` is undefined for a new MCP thread until its `turn_started` names it. `questions`: who answers this turn's questions. */
  constructor(
    threadId: string | undefined,
    private readonly onEvent: ((event: CodexEvent) => void) | undefined,
    private readonly log: Logger,
    readonly questions: QuestionPolicy,
  ) {
    this.thread = threadId;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The driver awaits `result`; this keeps an early failure from counting as unhandled meanwhile.
    this.result.catch(() => undefined);
  }

  get threadId(): string | undefined {
    return this.thread;
  }

  get turnId(): string | undefined {
    return this.id;
  }

  /** Records the turn id from the `turn/start` answer (the notification may come first or later). */
  started(turnId: string): void {
    this.id ??= turnId;
  }

  /** Takes an event of this run's thread; events of another turn on the thread are ignored. */
  handle({ turnId, event }: RoutedEvent): void {
    if (this.settled || (turnId !== undefined && this.id !== undefined && turnId !== this.id)) return;
    if (event.type === 'turn_started') {
      this.thread ??= event.threadId;
      this.started(event.turnId);
    }
    this.track(event);
    this.emit(event);
    if (event.type === 'turn_completed') this.complete(event);
  }

  /** Passes an event that did not come from a notification (an approval request) to the caller. */
  emit(event: CodexEvent): void {
    try {
      this.onEvent?.(event);
    } catch (error) {
      this.log.warn({ err: error, event: event.type }, 'a Codex event handler threw');
    }
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private track(event: CodexEvent): void {
    if (event.type === 'agent_message') this.finalMessage = event.text;
    else if (event.type === 'token_usage') this.usage = addUsage(this.usage, event.last);
    else if (event.type === 'error') this.lastError = event.code === undefined ? { message: event.message } : { message: event.message, code: event.code };
  }

  private complete(event: Extract<CodexEvent, { type: 'turn_completed' }>): void {
    this.settled = true;
    const result: TurnResult = { threadId: this.thread ?? '', turnId: this.id ?? '', status: event.status };
    if (event.status === 'failed') {
      result.error = event.error ?? this.lastError?.message ?? 'the turn failed without an error message';
      const code = event.errorCode ?? this.lastError?.code;
      if (code !== undefined) result.errorCode = code;
    }
    if (this.finalMessage !== undefined) result.finalMessage = this.finalMessage;
    if (this.usage !== undefined) result.usage = this.usage;
    this.resolve(result);
  }
}

function addUsage(sum: TokenUsage | undefined, next: TokenUsage): TokenUsage {
  if (!sum) return { ...next };
  return {
    inputTokens: sum.inputTokens + next.inputTokens,
    cachedInputTokens: sum.cachedInputTokens + next.cachedInputTokens,
    outputTokens: sum.outputTokens + next.outputTokens,
    reasoningOutputTokens: sum.reasoningOutputTokens + next.reasoningOutputTokens,
    totalTokens: sum.totalTokens + next.totalTokens,
  };
}
