import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseBlocks, type SlackBlock } from './slack-stand-in-blocks.js';
import { SlackFiles } from './slack-stand-in-files.js';

export type { SlackBlock } from './slack-stand-in-blocks.js';
export type { SlackUpload, UserSlackFile } from './slack-stand-in-files.js';

/** A Web API call the stand-in received (form fields or JSON, as sent). */
export interface SlackCall {
  method: string;
  args: Record<string, string>;
  token: string | undefined;
}

/** A message the bot posted, as it now reads. */
export interface SlackPosted {
  channel: string;
  ts: string;
  /** With blocks, only the notification fallback. */
  text: string;
  blocks: SlackBlock[];
  threadTs?: string;
  broadcast: boolean;
  history: string[];
}

/** A `chat.postEphemeral`: a message only `user` sees. */
export interface SlackEphemeral {
  channel: string;
  user: string;
  text: string;
  threadTs?: string;
}

/** Who presses a button. */
export interface SlackPresser {
  id: string;
  name?: string;
}

export const SLACK_BOT_USER = 'UBOT';

/** A workspace member as `users.info` tells of them. */
export interface SlackMember {
  name: string;
  /** IETF language tag (`ko-KR`); only sent when asked with `include_locale`. */
  locale: string;
}

/** Slack refuses a message text over 40 000 characters. */
const TEXT_LIMIT = 40_000;

/**
 * A Slack Web API and Socket Mode server on 127.0.0.1: `auth.test`, `apps.connections.open` (a
 * `ws://` URL), `hello`, `events_api` and `interactive` (`block_actions`) envelopes that must be
 * acknowledged by `envelope_id`, `slash_commands` envelopes, `disconnect` with
 * `refresh_requested`, `chat.postMessage` (with Block Kit blocks; `msg_too_long` past 40 000
 * characters), `chat.update` (which keeps the blocks unless it is given others),
 * `chat.postEphemeral`, `users.info` (the locale only with `include_locale`), users' files behind
 * the bot token and the external upload flow (`SlackFiles`), and refusals on demand. Records
 * everything.
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly posted: SlackPosted[] = [];
  readonly ephemeral: SlackEphemeral[] = [];
  readonly acked = new Set<string>();
  /** Socket Mode connections opened, in order. */
  readonly sockets: WebSocket[] = [];
  /** `users.info` answers these; others are `user_not_found`. */
  readonly members = new Map<string, SlackMember>();
  readonly files: SlackFiles;
  private readonly failures: { method: string; error: string }[] = [];
  private ts = 1_700_000_000;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(
    readonly botToken: string,
    readonly appToken: string,
  ) {
    this.server.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws)));
    this.files = new SlackFiles(() => this.origin, botToken);
  }

  static async start(): Promise<SlackStandIn> {
    const standIn = new SlackStandIn('xoxb-test-bot-token', 'xapp-test-app-token');
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  private get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next call of `method` is refused with `error` (e.g. `invalid_blocks`). */
  failNext(method: string, error: string): void {
    this.failures.push({ method, error });
  }

  /**
   * `user` types `/codex text` in `channel`: a `slash_commands` envelope (Socket Mode), which
   * must be acknowledged within 3 s. Returns the envelope id.
   */
  slashCommand(options: { user: string; userName?: string; channel: string; text: string; command?: string }): string {
    const envelopeId = randomUUID();
    const payload = {
      token: 'verification-token',
      team_id: 'T1',
      team_domain: 'test',
      channel_id: options.channel,
      channel_name: options.channel.toLowerCase(),
      user_id: options.user,
      user_name: options.userName ?? options.user.toLowerCase(),
      command: options.command ?? '/codex',
      text: options.text,
      api_app_id: 'A1',
      is_enterprise_install: 'false',
      response_url: `${this.origin}/commands/T1/${envelopeId}`,
      trigger_id: `${this.ts}.1.${envelopeId.slice(0, 8)}`,
    };
    this.sockets.at(-1)?.send(JSON.stringify({ envelope_id: envelopeId, payload, type: 'slash_commands', accepts_response_payload: true }));
    return envelopeId;
  }

  /** A fresh message `ts`. */
  nextTs(): string {
    return `${++this.ts}.000100`;
  }

  /** Sends an event over the newest socket; returns its envelope id. */
  sendEvent(event: Record<string, unknown>): string {
    const envelopeId = randomUUID();
    const payload = { type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event, event_id: `Ev${envelopeId.slice(0, 8)}`, event_time: Math.floor(Date.now() / 1000) };
    this.sockets.at(-1)?.send(JSON.stringify({ envelope_id: envelopeId, type: 'events_api', payload, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' }));
    return envelopeId;
  }

  /**
   * `presser` clicks the button labelled `label` under `message`, as it reads now (a button an
   * update removed cannot be pressed): an `interactive` envelope with Slack's `block_actions`
   * payload. Returns the envelope id.
   */
  press(message: SlackPosted, label: string, presser: SlackPresser): string {
    const block = message.blocks.find((b) => b.type === 'actions' && b.elements?.some((e) => e.text?.text === label));
    const button = block?.elements?.find((e) => e.text?.text === label);
    if (!block || !button) throw new Error(`no button "${label}" under message ${message.ts}; it has: ${JSON.stringify(message.blocks)}`);
    const envelopeId = randomUUID();
    const container = { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false, ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }) };
    const threaded = message.threadTs === undefined ? {} : { thread_ts: message.threadTs };
    const payload = {
      type: 'block_actions',
      user: { id: presser.id, username: presser.name ?? presser.id.toLowerCase(), name: presser.name ?? presser.id.toLowerCase(), team_id: 'T1' },
      api_app_id: 'A1',
      token: 'verification-token',
      container,
      trigger_id: `${this.ts}.1.${envelopeId.slice(0, 8)}`,
      team: { id: 'T1', domain: 'test' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: message.channel.toLowerCase() },
      message: { bot_id: 'BBOT', type: 'message', text: message.text, user: SLACK_BOT_USER, ts: message.ts, app_id: 'A1', team: 'T1', blocks: message.blocks, ...threaded },
      state: { values: {} },
      response_url: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/actions/${envelopeId}`,
      actions: [{ ...button, block_id: block.block_id, action_ts: `${Date.now() / 1000}` }],
    };
    this.sockets.at(-1)?.send(JSON.stringify({ envelope_id: envelopeId, payload, type: 'interactive', accepts_response_payload: false }));
    return envelopeId;
  }

  /** Asks the client to reconnect, as Slack does every few hours. */
  requestRefresh(): void {
    this.sockets.at(-1)?.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'stand-in' } }));
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { envelope_id?: string };
      if (frame.envelope_id !== undefined) this.acked.add(frame.envelope_id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.length, debug_info: { host: 'stand-in' }, connection_info: { app_id: 'A1' } }));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (this.files.route(req, Buffer.concat(chunks), res)) return;
      const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
      const body = Buffer.concat(chunks).toString('utf8');
      const args = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(body || '{}') as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(body));
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      this.calls.push({ method, args, token });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.answer(method, args, token)));
    });
  }

  private answer(method: string, args: Record<string, string>, token: string | undefined): Record<string, unknown> {
    if (method === 'apps.connections.open') {
      return token === this.appToken ? { ok: true, url: `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link?ticket=${randomUUID()}` } : { ok: false, error: 'invalid_auth' };
    }
    if (token !== this.botToken) return { ok: false, error: 'invalid_auth' };
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure >= 0) return { ok: false, error: this.failures.splice(failure, 1)[0]?.error };
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'csc', team_id: 'T1', user_id: SLACK_BOT_USER, bot_id: 'BBOT' };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'users.info':
        return this.usersInfo(args);
      case 'files.getUploadURLExternal':
        return this.files.getUploadURLExternal(args);
      case 'files.completeUploadExternal':
        return this.files.completeUploadExternal(args);
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private postMessage(args: Record<string, string>): Record<string, unknown> {
    const blocks = parseBlocks(args.blocks);
    if (blocks === 'invalid') return { ok: false, error: 'invalid_blocks' };
    if ((blocks ?? []).length === 0 && !args.text) return { ok: false, error: 'no_text' };
    if ((args.text ?? '').length > TEXT_LIMIT) return { ok: false, error: 'msg_too_long' };
    const text = args.text ?? '';
    const posted: SlackPosted = { channel: args.channel ?? '', ts: this.nextTs(), text, blocks: blocks ?? [], broadcast: String(args.reply_broadcast) === 'true', history: [text] };
    if (args.thread_ts !== undefined) posted.threadTs = args.thread_ts;
    this.posted.push(posted);
    return { ok: true, channel: posted.channel, ts: posted.ts, message: { type: 'message', text, ts: posted.ts, blocks: posted.blocks, user: SLACK_BOT_USER, bot_id: 'BBOT' } };
  }

  /** Slack keeps the message's blocks when `blocks` is left out; an empty array removes them. */
  private update(args: Record<string, string>): Record<string, unknown> {
    const message = this.posted.find((p) => p.channel === args.channel && p.ts === args.ts);
    if (!message) return { ok: false, error: 'message_not_found' };
    const blocks = parseBlocks(args.blocks);
    if (blocks === 'invalid') return { ok: false, error: 'invalid_blocks' };
    if ((blocks ?? message.blocks).length === 0 && !args.text) return { ok: false, error: 'no_text' };
    if ((args.text ?? '').length > TEXT_LIMIT) return { ok: false, error: 'msg_too_long' };
    message.text = args.text ?? '';
    if (blocks !== undefined) message.blocks = blocks;
    message.history.push(message.text);
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: { type: 'message', text: message.text, blocks: message.blocks, user: SLACK_BOT_USER, bot_id: 'BBOT' } };
  }

  /** A user object, its `locale` only when asked for (`include_locale`), as Slack does. */
  private usersInfo(args: Record<string, string>): Record<string, unknown> {
    const member = args.user === undefined ? undefined : this.members.get(args.user);
    if (!member) return { ok: false, error: 'user_not_found' };
    const locale = String(args.include_locale) === 'true' ? { locale: member.locale } : {};
    return { ok: true, user: { id: args.user, team_id: 'T1', name: member.name, deleted: false, real_name: member.name, tz: 'Asia/Seoul', is_bot: false, profile: { display_name: member.name, real_name: member.name }, ...locale } };
  }

  private postEphemeral(args: Record<string, string>): Record<string, unknown> {
    if (!args.channel) return { ok: false, error: 'channel_not_found' };
    if (!args.user) return { ok: false, error: 'user_not_in_channel' };
    if (!args.text && args.blocks === undefined) return { ok: false, error: 'no_text' };
    const ephemeral: SlackEphemeral = { channel: args.channel, user: args.user, text: args.text ?? '' };
    if (args.thread_ts !== undefined) ephemeral.threadTs = args.thread_ts;
    this.ephemeral.push(ephemeral);
    return { ok: true, message_ts: this.nextTs() };
  }
}
