import { silentLogger } from '../log/index.js';
import {
  ChatEngine,
  telegramMarkup,
  type AnswerOutcome,
  type ChatEngineOptions,
  type ChatFile,
  type ChatJobRequest,
  type ChatJobUpdate,
  type ChatOutput,
  type GatewayStatus,
  type IncomingMessage,
  type JobGateway,
  type JobSummary,
  type SequencedJobEvent,
  type UploadFile,
} from '../chat/index.js';
import type { Attachment } from '../protocol/index.js';
import { checkMarkdownV2 } from './telegram-formats.js';

/** One thing the bot did in the chat, in the order it did it. */
export type Sent =
  | { kind: 'send'; id: string; text: string; replyTo?: string; edits: string[] }
  | { kind: 'file'; name: string; content: Buffer; caption?: string };

/**
 * A gateway whose jobs the test drives: `submit` answers with the next scripted job (or job
 * `nextId` running), and `push` sends a job's update as the master would.
 */
export class ScriptedGateway implements JobGateway {
  readonly submits: ChatJobRequest[] = [];
  readonly cancels: number[] = [];
  readonly uploads: UploadFile[] = [];
  nextId = 1;
  statusAnswer: GatewayStatus = { master: { version: '1.0.0', startedAt: '2030-01-01T00:00:00.000Z', queued: 0, active: 0 }, nodes: [] };
  private listener: ((update: ChatJobUpdate) => void) | undefined;

  submit(request: ChatJobRequest): Promise<JobSummary> {
    this.submits.push(request);
    return Promise.resolve({ id: this.nextId++, status: 'queued', prompt: request.prompt, createdAt: '2030-01-01T00:00:00.000Z', lastSeq: 0 });
  }
  cancel(jobId: number): Promise<void> {
    this.cancels.push(jobId);
    return Promise.resolve();
  }
  status(): Promise<GatewayStatus> {
    return Promise.resolve(this.statusAnswer);
  }
  onUpdate(listener: (update: ChatJobUpdate) => void): () => void {
    this.listener = listener;
    return () => undefined;
  }
  answer(): Promise<AnswerOutcome> {
    return Promise.reject(new Error('no questions here'));
  }
  push(job: Partial<JobSummary> & { id: number }, events: SequencedJobEvent['event'][] = []): void {
    const full: JobSummary = { status: 'running', prompt: 'p', createdAt: '2030-01-01T00:00:00.000Z', lastSeq: 0, ...job };
    this.listener?.({ job: full, events: events.map((event, i) => ({ seq: i + 1, at: '2030-01-01T00:00:01.000Z', event })) });
  }
}

/** A gateway that also takes files (as the bridge's does). */
export class UploadingGateway extends ScriptedGateway {
  upload(file: UploadFile): Promise<Attachment> {
    this.uploads.push(file);
    return Promise.resolve({ id: 'a'.repeat(64), name: file.name, mime: file.mime, kind: file.kind, bytes: file.content.length });
  }
}

/**
 * A Telegram-like output (MarkdownV2, 4096) that records what was sent, checks every text as
 * Telegram's parser would, and can hold each send for `delayMs` (to let other sends try to slip in).
 */
export class RecordingOutput implements ChatOutput {
  readonly markup = telegramMarkup('MarkdownV2');
  readonly sent: Sent[] = [];
  delayMs = 0;

  constructor(readonly limit = 4096) {}

  async send(to: { replyTo?: string }, text: string) {
    this.check(text);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const id = String(this.sent.length + 1);
    this.sent.push({ kind: 'send', id, text, ...(to.replyTo === undefined ? {} : { replyTo: to.replyTo }), edits: [] });
    return { chatId: '1', messageId: id };
  }
  edit(message: { messageId: string }, text: string): Promise<void> {
    this.check(text);
    const found = this.messages().find((m) => m.id === message.messageId);
    found?.edits.push(text);
    return Promise.resolve();
  }
  sendButtons(): Promise<{ chatId: string; messageId: string }> {
    return Promise.reject(new Error('no buttons here'));
  }
  sendFile(_to: unknown, file: ChatFile): Promise<void> {
    this.sent.push({ kind: 'file', name: file.name, content: file.content, ...(file.caption === undefined ? {} : { caption: file.caption }) });
    return Promise.resolve();
  }
  /** The messages sent, without files. */
  messages() {
    return this.sent.filter((s): s is Extract<Sent, { kind: 'send' }> => s.kind === 'send');
  }
  /** Every text shown: each message's latest edit, unescaped. */
  texts(): string[] {
    return this.messages().map((m) => plain(m.edits.at(-1) ?? m.text));
  }
  private check(text: string): void {
    const checked = checkMarkdownV2(text);
    if ('error' in checked) throw new Error(`Telegram would refuse ${JSON.stringify(text)}: ${String(checked.error)}`);
  }
}

/** MarkdownV2 without its escapes and bold marks, for reading. */
export function plain(text: string): string {
  return text.replace(/(?<!\\)\*/g, '').replace(/\\(.)/g, '$1');
}

/** A message from user 7 in chat 1. */
export function message(text: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  return { platform: 'telegram', chatId: '1', messageId: String(Math.floor(Math.random() * 1e9)), userId: '7', text, ...extra };
}

/** An engine on a gateway, admitting everyone, with progress edits at once. */
export function engineOn(gateway: JobGateway, options: Partial<ChatEngineOptions> = {}): ChatEngine {
  return new ChatEngine({ gateway, access: () => ({ allowed: true }), progressIntervalMs: 0, log: silentLogger(), ...options });
}
