import { WebSocket, type ClientOptions } from 'ws';
import type { Frame } from '../protocol/index.js';

/** A received frame: the raw text and, when it is JSON, the parsed object. */
export interface Received {
  text: string;
  json: (Frame & Record<string, unknown>) | undefined;
}

/**
 * A raw WebSocket client for tests: queues everything it receives so a test can await the next
 * message that matches, and records how the connection closed.
 */
export class TestClient {
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      let json: Received['json'];
      try {
        json = text.startsWith('{') ? (JSON.parse(text) as Received['json']) : undefined;
      } catch {
        json = undefined;
      }
      this.received.push({ text, json });
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
    ws.on('error', () => undefined);
  }

  /** Connects with `Authorization: Bearer <token>`; rejects with the HTTP status on refusal. */
  static async connect(url: string, token: string | undefined, options: ClientOptions = {}): Promise<TestClient> {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const ws = new WebSocket(url, { ...options, headers: { ...headers, ...options.headers } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Connects and says hello, resolving once the master's welcome arrived. */
  static async node(url: string, token: string, hello: Record<string, unknown>, options: ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(url, token, options);
    client.sendJson({ type: 'hello', ...hello });
    await client.next((m) => m.json?.type === 'welcome');
    return client;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  /** The first not-yet-taken message matching `match`, waiting for it if needed. */
  async next(match: (m: Received) => boolean = () => true, timeoutMs = 3000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(match);
      if (index >= 0) return this.received.splice(index, 1)[0] as Received;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got: ${this.received.map((m) => m.text.slice(0, 80)).join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with the close code and reason once the connection is closed. */
  async whenClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`connection still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
