import type { ServerResponse } from 'node:http';

/** Limits and hooks of an `SseFanout`. */
export interface SseFanoutOptions {
  /** A client with more than this unsent is dropped: it reconnects and refetches. */
  maxBufferedBytes: number;
  /** Comment lines at this interval keep proxies from closing an idle stream. */
  pingIntervalMs: number;
  /** The first client connected: start listening to the sources. */
  onFirst(): void;
  /** The last client left: stop listening, nobody needs the events. */
  onLast(): void;
}

const HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers responses unless told not to; a dashboard behind it would see events late.
  'x-accel-buffering': 'no',
};

/**
 * Server-sent events to every open dashboard stream: each event is encoded once and written to
 * all of them. Nothing is queued per client beyond the socket's own buffer, so a client that stops
 * reading costs at most `maxBufferedBytes` before it is dropped.
 */
export class SseFanout {
  private readonly clients = new Set<ServerResponse>();
  private pinger: NodeJS.Timeout | undefined;

  constructor(private readonly options: SseFanoutOptions) {}

  /** Starts the event stream on `res` (a hijacked reply) and keeps it until it closes. */
  add(res: ServerResponse): void {
    res.writeHead(200, HEADERS);
    // Something at once, so that the client's `open` fires before the first event.
    res.write(': connected\n\n');
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    if (this.clients.size > 1) return;
    this.pinger = setInterval(() => this.write(': ping\n\n'), this.options.pingIntervalMs);
    this.pinger.unref();
    this.options.onFirst();
  }

  /** Sends one event to every client. */
  send(event: string, data: unknown): void {
    if (this.clients.size > 0) this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Drops every client, as when a write could not be made durable: they reconnect and refetch. */
  dropAll(): void {
    for (const res of this.clients) res.destroy();
  }

  /** Ends every stream (the master is shutting down). */
  close(): void {
    for (const res of this.clients) res.end();
  }

  private write(text: string): void {
    for (const res of this.clients) {
      if (res.writableEnded || res.destroyed) continue;
      res.write(text);
      if (res.writableLength > this.options.maxBufferedBytes) res.destroy();
    }
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res) || this.clients.size > 0) return;
    clearInterval(this.pinger);
    this.pinger = undefined;
    this.options.onLast();
  }
}
