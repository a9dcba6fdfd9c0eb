import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramFiles } from './telegram-files.js';
import { parseMultipart, readDocument, type BotDocument, type Multipart } from './telegram-formats.js';
import { MessageIds, TelegramMessages, type Answer, type BotMessage } from './telegram-messages.js';
import { callbackQueryUpdate, isAllowedUpdate, messageUpdate, type UserMessage } from './telegram-updates.js';

export type { BotCommand, UserFile } from './telegram-files.js';
export type { BotDocument } from './telegram-formats.js';
export type { BotMessage } from './telegram-messages.js';

/** A call the stand-in received. */
export interface TelegramCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
}

/** How the bot answered a button press (`answerCallbackQuery`). */
export interface CallbackAnswer {
  queryId: string;
  text?: string;
  showAlert?: boolean;
}

interface Poll {
  offset: number;
  limit: number;
  respond: (answer: Answer) => void;
  timer: NodeJS.Timeout;
}

/**
 * A Telegram Bot API server on 127.0.0.1: long polling with real waiting and offsets, the send
 * and edit methods with Telegram's errors (401, 409 for a second poller, 429 with `retry_after`,
 * 400 for > 4096 characters, bad MarkdownV2 and edits to identical text), `sendDocument` as a
 * multipart/form-data upload (the file as an `attach://` part or as the `document` part itself), `deleteWebhook` that
 * really drops pending updates when asked, `allowed_updates` as Telegram keeps it, inline
 * keyboards with button presses (`callback_query` updates, `answerCallbackQuery` once per press),
 * users' photos, documents and voice notes (`getFile`, then `GET /file/bot<token>/<file_path>`),
 * `setMyCommands` kept per language, and network failures on demand (hang-ups, refused
 * connections). Records every call.
 */
export class TelegramStandIn {
  readonly calls: TelegramCall[] = [];
  /** Users' files and the bot's commands. */
  readonly files = new TelegramFiles();
  readonly documents: BotDocument[] = [];
  readonly callbackAnswers: CallbackAnswer[] = [];
  /** Error answers it gave, by method. */
  readonly rejected: { method: string; error_code: number; description: string }[] = [];
  private readonly updates: { update_id: number }[] = [];
  private poll: Poll | undefined;
  private nextUpdateId = 1;
  private readonly ids = new MessageIds();
  private readonly store = new TelegramMessages(this.ids);
  /** Presses not answered yet (Telegram takes one `answerCallbackQuery` per press). */
  private readonly openQueries = new Set<string>();
  private nextQueryId = 1;
  /** The last `allowed_updates` a poller asked for: Telegram keeps it until the next one. */
  private allowedUpdates: string[] | undefined;
  private readonly failures: { method: string; answer: Answer }[] = [];
  private readonly hangUps: string[] = [];
  private refusedPort = 0;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  private constructor(readonly token: string) {}

  static async start(token = '123456:TEST-token-for-the-stand-in'): Promise<TelegramStandIn> {
    const standIn = new TelegramStandIn(token);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The API root for grammY's `client.apiRoot` (no trailing slash). */
  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Messages the bot sent, in order. */
  get messages(): BotMessage[] {
    return this.store.messages;
  }

  /** A user writes to the bot (a text, or a file with a caption); returns the message id. */
  say(options: UserMessage): number {
    const messageId = this.ids.take();
    const fileFields = options.file === undefined ? {} : this.files.attach(options.file);
    this.updates.push(messageUpdate(this.nextUpdateId++, messageId, options, fileFields) as { update_id: number });
    this.wakePoll();
    return messageId;
  }

  /**
   * A user presses the button with `data` under the bot's message (which must show it); the bot
   * gets a `callback_query` update. Returns the query's id.
   */
  press(options: { chatId: number; messageId: number; data: string; userId?: number; username?: string }): string {
    const message = this.messages.find((m) => m.chatId === options.chatId && m.messageId === options.messageId);
    if (!message?.buttons?.flat().some((b) => b.callback_data === options.data)) throw new Error(`message ${options.messageId} in ${options.chatId} shows no button ${options.data}`);
    const queryId = `${Date.now()}${this.nextQueryId++}`;
    this.openQueries.add(queryId);
    const user = { id: options.userId ?? options.chatId, username: options.username ?? 'june' };
    this.updates.push(callbackQueryUpdate(this.nextUpdateId++, queryId, message, user, options.data) as { update_id: number });
    this.wakePoll();
    return queryId;
  }

  /** The next call of `method` fails with this answer (e.g. a 429). */
  failNext(method: string, answer: Answer): void {
    this.failures.push({ method, answer });
  }

  /** Messages the bot sent to a chat, in order. */
  sentTo(chatId: number): BotMessage[] {
    return this.messages.filter((m) => m.chatId === chatId);
  }

  async close(): Promise<void> {
    if (this.poll) this.finishPoll(this.poll, { ok: true, result: [] });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && (req.url ?? '').startsWith('/file/')) return this.download(req.url ?? '', res);
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      const contentType = req.headers['content-type'] ?? '';
      const body = Buffer.concat(chunks);
      const upload = contentType.startsWith('multipart/form-data') ? parseMultipart(body, contentType) : undefined;
      const payload = (upload?.fields ?? (body.length === 0 ? {} : JSON.parse(body.toString('utf8')))) as Record<string, unknown>;
      const send = (answer: Answer) => {
        if (res.writableEnded) return;
        if (!answer.ok) this.rejected.push({ method: match?.[2] ?? '?', error_code: answer.error_code, description: answer.description });
        res.writeHead(answer.ok ? 200 : answer.error_code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (!match) return send({ ok: false, error_code: 404, description: 'Not Found' });
      const [, token, method] = match as unknown as [string, string, string];
      this.calls.push({ method, payload, at: Date.now() });
      if (token !== this.token) return send({ ok: false, error_code: 401, description: 'Unauthorized' });
      const hangUp = this.hangUps.indexOf(method);
      if (hangUp >= 0) {
        this.hangUps.splice(hangUp, 1);
        req.socket.destroy();
        return;
      }
      const failure = this.failures.findIndex((f) => f.method === method);
      if (failure >= 0) return send(this.failures.splice(failure, 1)[0]?.answer ?? { ok: true, result: true });
      if (method === 'getUpdates') return this.getUpdates(payload, send, res);
      if (method === 'sendDocument') return send(this.sendDocument(payload, upload));
      send(this.answer(method, payload));
    });
  }

  private answer(method: string, payload: Record<string, unknown>): Answer {
    switch (method) {
      case 'getMe':
        return { ok: true, result: { id: 42, is_bot: true, first_name: 'CSC', username: 'csc_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } };
      case 'deleteWebhook':
        if (payload.drop_pending_updates === true) this.updates.length = 0;
        return { ok: true, result: true };
      case 'sendChatAction':
        return { ok: true, result: true };
      case 'setMyCommands':
        return this.files.setMyCommands(payload);
      case 'getFile':
        return this.files.getFile(payload);
      case 'sendMessage':
        return this.store.sendMessage(payload);
      case 'editMessageText':
        return this.store.editMessageText(payload);
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(payload);
      default:
        return { ok: false, error_code: 404, description: 'Not Found: method not found' };
    }
  }

  private sendDocument(payload: Record<string, unknown>, upload: Multipart | undefined): Answer {
    const document = readDocument(payload, upload, this.ids.peek());
    if ('error_code' in document) return { ok: false, ...document };
    this.ids.take();
    this.documents.push(document);
    const { messageId, chatId, fileName, size, caption } = document;
    const sent = { file_id: `doc-${messageId}`, file_unique_id: `u${messageId}`, file_name: fileName, mime_type: 'application/octet-stream', file_size: size };
    return { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, document: sent, ...(caption === undefined ? {} : { caption }) } };
  }

  /** One answer per press, within Telegram's 200 characters. */
  private answerCallbackQuery(payload: Record<string, unknown>): Answer {
    const queryId = String(payload.callback_query_id);
    if (!this.openQueries.delete(queryId)) return { ok: false, error_code: 400, description: 'Bad Request: query is too old and response timeout expired or query ID is invalid' };
    const text = typeof payload.text === 'string' ? payload.text : undefined;
    if (text !== undefined && text.length > 200) return { ok: false, error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' };
    this.callbackAnswers.push({ queryId, ...(text === undefined ? {} : { text }), ...(payload.show_alert === true ? { showAlert: true } : {}) });
    return { ok: true, result: true };
  }

  /** `GET /file/bot<token>/<file_path>`: the file's bytes; a wrong token or path is a 404, as on Telegram. */
  private download(url: string, res: ServerResponse): void {
    const match = /^\/file\/bot([^/]+)\/(.+)$/.exec(url);
    const content = match?.[1] === this.token ? this.files.download(decodeURIComponent(match[2] ?? '')) : undefined;
    this.calls.push({ method: 'file', payload: { path: match?.[2] }, at: Date.now() });
    if (!content) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length });
    res.end(content);
  }

  private getUpdates(payload: Record<string, unknown>, send: (answer: Answer) => void, res: ServerResponse): void {
    if (this.poll) {
      send({ ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
      return;
    }
    let offset = Number(payload.offset ?? 0);
    // A negative offset asks for the last updates and forgets the ones before them, as Telegram does.
    if (offset < 0) offset = this.updates.at(offset)?.update_id ?? this.nextUpdateId;
    const limit = Number(payload.limit ?? 100);
    if (Array.isArray(payload.allowed_updates)) this.allowedUpdates = payload.allowed_updates as string[];
    // Confirmed updates are gone for good.
    while ((this.updates[0]?.update_id ?? Infinity) < offset) this.updates.shift();
    const timeoutMs = Number(payload.timeout ?? 0) * 1000;
    const poll: Poll = { offset, limit, respond: send, timer: setTimeout(() => this.finishPoll(poll, { ok: true, result: [] }), timeoutMs) };
    this.poll = poll;
    res.on('close', () => {
      if (this.poll === poll) this.finishPoll(poll, { ok: true, result: [] });
    });
    this.wakePoll();
  }

  private wakePoll(): void {
    const poll = this.poll;
    if (!poll) return;
    // Updates of a type the poller did not ask for are never delivered (and are gone once passed).
    const ready = this.updates.filter((u) => u.update_id >= poll.offset && isAllowedUpdate(u, this.allowedUpdates)).slice(0, poll.limit);
    if (ready.length > 0) this.finishPoll(poll, { ok: true, result: ready });
  }

  private finishPoll(poll: Poll, answer: Answer): void {
    clearTimeout(poll.timer);
    if (this.poll === poll) this.poll = undefined;
    poll.respond(answer);
  }

  /** The next call of `method` gets its connection closed without an answer (a network failure). */
  hangUpNext(method: string): void {
    this.hangUps.push(method);
  }

  /** Stops listening and drops every connection: clients get `ECONNREFUSED` until `acceptConnections()`. */
  async refuseConnections(): Promise<void> {
    const port = (this.server.address() as AddressInfo).port;
    this.refusedPort = port;
    if (this.poll) this.finishPoll(this.poll, { ok: true, result: [] });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again, on the port it had. */
  async acceptConnections(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.refusedPort, '127.0.0.1', resolve));
  }
}
