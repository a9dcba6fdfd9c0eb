import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

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
  text: string;
  threadTs?: string;
  broadcast: boolean;
  history: string[];
}

export const SLACK_BOT_USER = 'UBOT';

/**
 * A Slack Web API and Socket Mode server on 127.0.0.1: `auth.test`, `apps.connections.open` (a
 * `ws://` URL), `hello`, `events_api` envelopes that must be acknowledged by `envelope_id`,
 * `disconnect` with `refresh_requested`, `chat.postMessage` and `chat.update`. Records everything.
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly posted: SlackPosted[] = [];
  readonly acked = new Set<string>();
  /** Socket Mode connections opened, in order. */
  readonly sockets: WebSocket[] = [];
  private ts = 1_700_000_000;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(
    readonly botToken: string,
    readonly appToken: string,
  ) {
    this.server.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws)));
  }

  static async start(): Promise<SlackStandIn> {
    const standIn = new SlackStandIn('xoxb-test-bot-token', 'xapp-test-app-token');
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** `SLACK_API_URL`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
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
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'csc', team_id: 'T1', user_id: SLACK_BOT_USER, bot_id: 'BBOT' };
      case 'chat.postMessage': {
        const posted: SlackPosted = { channel: args.channel ?? '', ts: this.nextTs(), text: args.text ?? '', broadcast: String(args.reply_broadcast) === 'true', history: [args.text ?? ''] };
        if (args.thread_ts !== undefined) posted.threadTs = args.thread_ts;
        this.posted.push(posted);
        return { ok: true, channel: posted.channel, ts: posted.ts, message: { text: posted.text, ts: posted.ts } };
      }
      case 'chat.update': {
        const message = this.posted.find((p) => p.channel === args.channel && p.ts === args.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = args.text ?? '';
        message.history.push(message.text);
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
