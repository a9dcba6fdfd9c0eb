import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A call the stand-in received. */
export interface TelegramCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
}

/** A message the bot sent, as it now reads. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  text: string;
  threadId?: number;
  replyTo?: number;
  /** Every text it had, the first one included. */
  history: string[];
}

/** A file the bot uploaded with `sendDocument`. */
export interface BotDocument {
  chatId: number;
  messageId: number;
  fileName: string;
  size: number;
  content: Buffer;
  caption?: string;
  threadId?: number;
  replyTo?: number;
}

/** A multipart/form-data upload: its text fields, and its files by part name. */
interface Multipart {
  fields: Record<string, string>;
  files: Map<string, { fileName: string; content: Buffer }>;
}

type Answer = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };

interface Poll {
  offset: number;
  limit: number;
  respond: (answer: Answer) => void;
  timer: NodeJS.Timeout;
}

/** Telegram's limits on what a bot uploads. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_CAPTION = 1024;

const NOT_MODIFIED = 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const MDV2_RESERVED = '_*[]()~`>#+-=|{}.!';

/** The length Telegram counts for a MarkdownV2 text, or the error it answers for bad entities. */
export function checkMarkdownV2(text: string): { length: number } | { error: string } {
  let length = 0;
  const open: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      i++;
      length++;
      continue;
    }
    const inCode = open.at(-1) === '`';
    if (ch === '`' || (!inCode && '*_~'.includes(ch))) {
      if (open.at(-1) === ch) open.pop();
      else open.push(ch);
      continue;
    }
    if (!inCode && ch === '[') {
      const close = /^\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)/.exec(text.slice(i));
      if (!close) return { error: "Bad Request: can't parse entities: Character '[' is reserved and must be escaped with the preceding '\\'" };
      length += (close[1] ?? '').replace(/\\(.)/g, '$1').length;
      i += close[0].length - 1;
      continue;
    }
    if (!inCode && MDV2_RESERVED.includes(ch)) return { error: `Bad Request: can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'` };
    length++;
  }
  if (open.length > 0) return { error: `Bad Request: can't parse entities: Can't find end of the entity starting at byte offset ${text.length}` };
  return { length };
}

/**
 * Parses a multipart/form-data body as clients send it: grammY writes its headers in lower case
 * without spaces and leaves file names unquoted, curl and browsers quote them.
 */
export function parseMultipart(body: Buffer, contentType: string): Multipart {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ''}`);
  const parsed: Multipart = { fields: {}, files: new Map() };
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    const next = body.indexOf(delimiter, start);
    // The closing delimiter is followed by `--`; a body cut short has no next one.
    if (next < 0 || body.subarray(start, start + 2).toString() === '--') break;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers);
    if (name !== undefined && fileName) parsed.files.set(name, { fileName: fileName[1] ?? fileName[2] ?? '', content: Buffer.from(content) });
    else if (name !== undefined) parsed.fields[name] = content.toString('utf8');
    at = next;
  }
  return parsed;
}

/**
 * A Telegram Bot API server on 127.0.0.1: long polling with real waiting and offsets, the send
 * and edit methods with Telegram's errors (401, 409 for a second poller, 429 with `retry_after`,
 * 400 for > 4096 characters, bad MarkdownV2 and edits to identical text), `sendDocument` as a
 * multipart/form-data upload (the file as an `attach://` part or as the `document` part itself), `deleteWebhook` that
 * really drops pending updates when asked, and network failures on demand (hang-ups, refused
 * connections). Records every call.
 */
export class TelegramStandIn {
  readonly calls: TelegramCall[] = [];
  readonly messages: BotMessage[] = [];
  readonly documents: BotDocument[] = [];
  /** Error answers it gave, by method. */
  readonly rejected: { method: string; error_code: number; description: string }[] = [];
  private readonly updates: { update_id: number }[] = [];
  private poll: Poll | undefined;
  private nextUpdateId = 1;
  private nextMessageId = 1000;
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

  /** A user writes to the bot; returns the message id. */
  say(options: { chatId: number; userId?: number; text: string; threadId?: number; chatType?: 'private' | 'group' | 'supergroup' }): number {
    const messageId = this.nextMessageId++;
    const chatType = options.chatType ?? (options.chatId > 0 ? 'private' : 'supergroup');
    const message = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: options.chatId, type: chatType, ...(chatType === 'private' ? { first_name: 'June' } : { title: 'Team', is_forum: options.threadId !== undefined }) },
      from: { id: options.userId ?? options.chatId, is_bot: false, first_name: 'June', username: 'june' },
      text: options.text,
      ...(options.threadId === undefined ? {} : { message_thread_id: options.threadId, is_topic_message: true }),
      ...(options.text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: options.text.split(/\s/)[0]?.length ?? 1 }] } : {}),
    };
    this.updates.push({ update_id: this.nextUpdateId++, message } as { update_id: number });
    this.wakePoll();
    return messageId;
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
      case 'setMyCommands':
        return { ok: true, result: true };
      case 'sendMessage':
        return this.sendMessage(payload);
      case 'editMessageText':
        return this.editMessageText(payload);
      default:
        return { ok: false, error_code: 404, description: 'Not Found: method not found' };
    }
  }

  private checkText(payload: Record<string, unknown>): { ok: false; error_code: number; description: string } | undefined {
    const text = typeof payload.text === 'string' ? payload.text : '';
    const checked = payload.parse_mode === 'MarkdownV2' ? checkMarkdownV2(text) : { length: text.length };
    if ('error' in checked) return { ok: false, error_code: 400, description: checked.error };
    if (checked.length === 0) return { ok: false, error_code: 400, description: 'Bad Request: message text is empty' };
    if (checked.length > 4096) return { ok: false, error_code: 400, description: 'Bad Request: message is too long' };
    return undefined;
  }

  private sendMessage(payload: Record<string, unknown>): Answer {
    const bad = this.checkText(payload);
    if (bad) return bad;
    const reply = payload.reply_parameters as { message_id?: number } | undefined;
    const message: BotMessage = {
      chatId: Number(payload.chat_id),
      messageId: this.nextMessageId++,
      text: String(payload.text),
      ...(payload.message_thread_id === undefined ? {} : { threadId: Number(payload.message_thread_id) }),
      ...(reply?.message_id === undefined ? {} : { replyTo: reply.message_id }),
      history: [String(payload.text)],
    };
    this.messages.push(message);
    return { ok: true, result: { message_id: message.messageId, date: Math.floor(Date.now() / 1000), chat: { id: message.chatId, type: 'private' }, text: message.text } };
  }

  private sendDocument(payload: Record<string, unknown>, upload: Multipart | undefined): Answer {
    const reference = typeof payload.document === 'string' ? /^attach:\/\/(.+)$/.exec(payload.document)?.[1] : undefined;
    const file = upload?.files.get(reference ?? 'document');
    if (!file) return { ok: false, error_code: 400, description: 'Bad Request: there is no document in the request' };
    if (file.content.length === 0) return { ok: false, error_code: 400, description: 'Bad Request: file must be non-empty' };
    if (file.content.length > MAX_UPLOAD_BYTES) return { ok: false, error_code: 413, description: 'Request Entity Too Large' };
    const caption = typeof payload.caption === 'string' ? payload.caption : undefined;
    if (caption !== undefined && caption.length > MAX_CAPTION) return { ok: false, error_code: 400, description: 'Bad Request: message caption is too long' };
    // Multipart fields are text: objects arrive as JSON.
    const reply = typeof payload.reply_parameters === 'string' ? (JSON.parse(payload.reply_parameters) as { message_id?: number }) : undefined;
    const document: BotDocument = {
      chatId: Number(payload.chat_id),
      messageId: this.nextMessageId++,
      fileName: file.fileName,
      size: file.content.length,
      content: file.content,
      ...(caption === undefined ? {} : { caption }),
      ...(payload.message_thread_id === undefined ? {} : { threadId: Number(payload.message_thread_id) }),
      ...(reply?.message_id === undefined ? {} : { replyTo: reply.message_id }),
    };
    this.documents.push(document);
    const sent = { file_id: `doc-${document.messageId}`, file_unique_id: `u${document.messageId}`, file_name: document.fileName, mime_type: 'application/octet-stream', file_size: document.size };
    return { ok: true, result: { message_id: document.messageId, date: Math.floor(Date.now() / 1000), chat: { id: document.chatId, type: 'private' }, document: sent, ...(caption === undefined ? {} : { caption }) } };
  }

  private editMessageText(payload: Record<string, unknown>): Answer {
    const message = this.messages.find((m) => m.chatId === Number(payload.chat_id) && m.messageId === Number(payload.message_id));
    if (!message) return { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' };
    const bad = this.checkText(payload);
    if (bad) return bad;
    if (message.text === payload.text) return { ok: false, error_code: 400, description: NOT_MODIFIED };
    message.text = String(payload.text);
    message.history.push(message.text);
    return { ok: true, result: { message_id: message.messageId, chat: { id: message.chatId, type: 'private' }, text: message.text } };
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
    const ready = this.updates.filter((u) => u.update_id >= poll.offset).slice(0, poll.limit);
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
