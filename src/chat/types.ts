import type { ChatOrigin, JobSummary, NodeSummary, Publication, PublishMode, SequencedJobEvent, StatusFrame } from '../protocol/index.js';
import type { Markup } from './markup.js';

export type { JobSummary, NodeSummary, Publication, PublishMode, SequencedJobEvent };

/** A text message a platform delivered to the bot, in platform-neutral terms. */
export interface IncomingMessage {
  platform: 'slack' | 'telegram';
  /** Telegram chat id / Slack channel. */
  chatId: string;
  /** Telegram forum topic / Slack thread root `ts`; undefined: the chat itself. */
  threadId?: string;
  /** Telegram `message_id` / Slack `ts`. */
  messageId: string;
  userId: string;
  userName?: string;
  text: string;
  /** The platform's own payload (Slack event, Telegram update), passed on as the seed's `raw_event` / `raw_update`. */
  raw?: Record<string, unknown>;
}

/** Where a reply goes: a chat, its thread, and the message it answers. */
export interface ReplyTarget {
  chatId: string;
  threadId?: string;
  replyTo?: string;
}

/** A message the bot sent, as needed to edit it. */
export interface SentMessage {
  chatId: string;
  messageId: string;
}

/** A file the bot sends with its answer (a job's `.diff`). */
export interface ChatFile {
  name: string;
  content: Buffer;
  /** Plain text shown under the file. */
  caption?: string;
}

/** One platform's way of answering; texts arrive already formatted in `markup` and within `limit`. */
export interface ChatOutput {
  readonly markup: Markup;
  /** Longest message the platform takes. */
  readonly limit: number;
  send(to: ReplyTarget, text: string): Promise<SentMessage>;
  edit(message: SentMessage, text: string): Promise<void>;
  /** Shows that the bot is working (Telegram's typing indicator); optional. */
  typing?(to: ReplyTarget): Promise<void>;
  /** Sends a file as a document; platforms without it answer with text only. */
  sendFile?(to: ReplyTarget, file: ChatFile): Promise<void>;
}

/** A chat message asking Codex for something. */
export interface ChatJobRequest {
  prompt: string;
  node?: string;
  repo?: string;
  continueFrom?: number;
  origin: ChatOrigin;
}

/** A job changed: its state, and the notable events since the last update. */
export interface ChatJobUpdate {
  job: JobSummary;
  events: SequencedJobEvent[];
}

export type GatewayStatus = Omit<StatusFrame, 'type' | 'requestId'>;

/**
 * A submit not answered in time: the request may still run. `answer` settles when the answer
 * comes after all (the job's first state, or the refusal), so the chat can still show the job.
 * The message is fit for the chat.
 */
export class OverdueSubmit extends Error {
  override readonly name = 'OverdueSubmit';

  constructor(
    message: string,
    readonly answer: Promise<JobSummary>,
  ) {
    super(message);
  }
}

/**
 * How the engine runs jobs, whatever runs them: the bridge's master connection, or a local
 * executor (the standalone Telegram runner). Rejections carry a message fit for the chat.
 */
export interface JobGateway {
  /** Starts a job; resolves with its first state, or rejects (`OverdueSubmit` when the answer is late). */
  submit(request: ChatJobRequest): Promise<JobSummary>;
  cancel(jobId: number): Promise<void>;
  status(): Promise<GatewayStatus>;
  onUpdate(listener: (update: ChatJobUpdate) => void): () => void;
  /**
   * Publishes a finished job's change (`/pr`); resolves with where it went, or why it could not
   * go. Absent where no master keeps the job's branch (the standalone runner).
   */
  publishJob?(jobId: number, mode: PublishMode): Promise<Publication>;
}

/** Who may talk to the bot: `allowed: false` comes with the ids to add (the hint strangers get). */
export type AccessDecision = { allowed: true } | { allowed: false; hint: string };
