import { get, type ClientRequest, type IncomingMessage } from 'node:http';

/** One server-sent event: its name and its data, parsed as JSON. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a server-sent event stream for tests: keeps every event and comment so that a test can
 * await the next event that matches, and tells when the server ended the stream.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private waiters: Array<() => void> = [];

  // node:http rather than fetch: after an abort, undici opens a spare connection that keeps the
  // master's close waiting for undici's keep-alive timeout.
  private constructor(private readonly req: ClientRequest) {}

  /** Opens `url`; rejects with the status when the answer is not an event stream. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = get(url, { headers }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`HTTP ${res.statusCode ?? '?'}`));
          res.resume();
          return;
        }
        const client = new SseClient(req);
        client.read(res);
        resolve(client);
      });
      req.on('error', reject);
    });
  }

  /** The next event (among those received so far, or to come) that `match` accepts. */
  async next(match: (event: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.events.length; seen++) {
        const event = this.events[seen];
        if (event && match(event)) return event;
      }
      if (this.ended) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  close(): void {
    this.req.destroy();
  }

  private read(res: IncomingMessage): void {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) this.take(block);
    });
    // Ended by the server, dropped, or closed here: either way the stream is over.
    res.on('close', () => {
      this.ended = true;
      this.wake();
    });
    res.on('error', () => undefined);
  }

  private take(block: string): void {
    for (const line of block.split('\n')) if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event !== undefined && data !== undefined) this.events.push({ event, data: JSON.parse(data) as unknown });
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
