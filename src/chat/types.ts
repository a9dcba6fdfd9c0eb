import type {
  Attachment,
  ChatOrigin,
  JobSummary,
  NodeSummary,
  Publication,
  PublishMode,
  QuestionAnswer,
  QuestionResultFrame,
  QuestionState,
  SequencedJobEvent,
  RunMode,
  StatusFrame,
  UsageFrame,
} from '../protocol/index.js';
import { catalogOf, type Catalog } from './i18n/index.js';
import type { Markup } from './markup.js';

export type { JobSummary, NodeSummary, Publication, PublishMode, QuestionAnswer, QuestionState, SequencedJobEvent };

/** Who did something where: a chat, its thread, a message, a user. */
interface ChatEventBase {
  platform: 'slack' | 'telegram';
  /** Telegram chat id / Slack channel. */
  chatId: string;
  /** Telegram forum topic / Slack thread root `ts`; undefined: the chat itself. */
  threadId?: string;
  /** Telegram `message_id` / Slack `ts` (for a button press: the message the buttons are under). */
  messageId: string;
  userId: string;
  userName?: string;
}

/**
 * A file that came with a message: a photo (`image`), a document (`file`) or a voice note
 * (`voice`). `fetch` downloads it, so a file over the limits is refused before it is fetched.
 */
export interface IncomingFile {
  kind: 'image' | 'file' | 'voice';
  name: string;
  mime: string;
  /** As the platform says; 0 when it does not. */
  bytes: number;
  fetch(): Promise<Buffer>;
}

/** A text message a platform delivered to the bot, in platform-neutral terms. */
export interface IncomingMessage extends ChatEventBase {
  /** The text, or a file's caption (empty when there is none). */
  text: string;
  /** The user's language as the platform says it (Telegram's `language_code`, Slack's user locale), e.g. `ko`, `en-US`. */
  language?: string;
  files?: IncomingFile[];
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
  /**
   * Sends a message with buttons under it (a question of Codex); `edit` of that message later
   * replaces its text and removes the buttons.
   */
  sendButtons(to: ReplyTarget, text: string, buttons: readonly ChatButton[]): Promise<SentMessage>;
}

/** A button under a message; `data` comes back in the press (at most 64 bytes: Telegram's limit). */
export interface ChatButton {
  label: string;
  data: string;
  style?: 'primary' | 'danger';
}

/** Someone pressed a button, in platform-neutral terms. */
export interface IncomingAction extends ChatEventBase {
  /** The pressed button's `data`. */
  data: string;
  /** The presser's language as the platform says it (as `IncomingMessage.language`). */
  language?: string;
  /** Tells the presser how it went (Telegram: `answerCallbackQuery`; Slack: an ephemeral message); called once. */
  reply(text: string): Promise<void>;
}

/** Who answers from a chat. */
export interface ChatAnswerer {
  platform: 'slack' | 'telegram';
  chatId: string;
  userId: string;
  userName?: string;
  /** The answerer's language as the platform says it, for what the runner tells them. */
  language?: string;
}

/** How an answer went (the master's `question_result`, or the runner's own decision). */
export type AnswerOutcome = Omit<QuestionResultFrame, 'type' | 'requestId'>;

/** A chat message asking Codex for something. */
export interface ChatJobRequest {
  prompt: string;
  node?: string;
  repo?: string;
  continueFrom?: number;
  /** The thread's `/profile`. */
  profileName?: string;
  /** The thread's `/mode`. */
  mode?: RunMode;
  /** Files uploaded with `JobGateway.upload`. */
  attachments?: Attachment[];
  origin: ChatOrigin;
}

/** A file to upload for a request. */
export interface UploadFile {
  name: string;
  mime: string;
  kind: 'image' | 'file';
  content: Buffer;
}

/** Turns a voice note into text (an OpenAI-compatible `/v1/audio/transcriptions`). */
export interface Transcriber {
  transcribe(audio: Buffer, name: string, mime: string, language?: string): Promise<string>;
}

/** A job changed: its state, and the notable events since the last update. */
export interface ChatJobUpdate {
  job: JobSummary;
  events: SequencedJobEvent[];
}

export type GatewayStatus = Omit<StatusFrame, 'type' | 'requestId'>;

/**
 * A failure the chat can say in the reader's language: `text` in a catalog's words; `message` is
 * the English one (logs, and readers without a catalog).
 */
export class ChatTextError extends Error {
  override readonly name: string = 'ChatTextError';

  constructor(readonly text: (t: Catalog) => string) {
    super(text(catalogOf('en')));
  }
}

/** What to tell a chat of a failure: in `t`'s language when the error has its words, else its message. */
export function errorText(t: Catalog, error: unknown): string {
  return error instanceof ChatTextError ? error.text(t) : error instanceof Error ? error.message : String(error);
}

/**
 * A submit not answered in time: the request may still run. `answer` settles when the answer
 * comes after all (the job's first state, or the refusal), so the chat can still show the job.
 */
export class OverdueSubmit extends ChatTextError {
  override readonly name = 'OverdueSubmit';

  constructor(
    text: (t: Catalog) => string,
    readonly answer: Promise<JobSummary>,
  ) {
    super(text);
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
  /** Answers a question of a job for a chat user; resolves with how it went (first answer wins), rejects only when it could not be asked. */
  answer(jobId: number, questionId: string, answer: QuestionAnswer, user: ChatAnswerer): Promise<AnswerOutcome>;
  /** Stores a file for a request; absent where files cannot travel. Rejects with a message fit for the chat (too large, refused). */
  upload?(file: UploadFile): Promise<Attachment>;
  /** `/usage`: the usage report and today's figures for this user and chat; absent where nothing records usage. */
  usage?(who: ChatAnswerer, days: number): Promise<Omit<UsageFrame, 'type' | 'requestId'>>;
}

/** Who may talk to the bot: `allowed: false` comes with the ids to add (the hint strangers get). */
export type AccessDecision = { allowed: true } | { allowed: false; hint: string };
