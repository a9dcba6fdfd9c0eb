import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** How `cut` ends connections: `rst` resets them (a crash, a NAT dropping state), `fin` closes them cleanly. */
export type CutMode = 'rst' | 'fin';

/** Bytes forwarded so far: `up` from clients to the target, `down` back. */
export interface ProxyBytes {
  up: number;
  down: number;
}

/** A connection that is closed for good if its peer does not close within this after a FIN. */
const FIN_LINGER_MS = 1000;
/** Held bytes per direction past which the source is paused, so a delay cannot grow memory without bound. */
const HIGH_WATER_BYTES = 1024 * 1024;

type Item = { chunk: Buffer; dueAt: number } | { end: 'fin' | 'rst'; dueAt: number };

/**
 * One direction of a proxied connection. Chunks go out in order, each no earlier than its due
 * time (the delay when it arrived); while stalled nothing goes and the source is paused, so the
 * kernel's buffers fill and the sender sees what a partition looks like. A close of the source is
 * queued behind its data: a FIN or RST that arrives during a stall is delivered on resume, as a
 * retransmitted one would be once a partition heals.
 */
class Direction {
  private readonly queue: Item[] = [];
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The sink's buffer is full: nothing more is written until it drains. */
  private blocked = false;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly count: (bytes: number) => void,
  ) {
    source.on('data', (chunk: Buffer) => this.push({ chunk, dueAt: Date.now() + proxy.delayMs }));
    source.on('end', () => this.push({ end: 'fin', dueAt: Date.now() + proxy.delayMs }));
    source.on('error', () => this.push({ end: 'rst', dueAt: Date.now() + proxy.delayMs }));
  }

  push(item: Item): void {
    if (this.stopped) return;
    this.queue.push(item);
    if ('chunk' in item) this.held += item.chunk.length;
    if (this.held > HIGH_WATER_BYTES) this.source.pause();
    this.pump();
  }

  /** Sends whatever is due, unless stalled; re-arms itself for the next item that is not due yet. */
  pump(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.blocked) return;
    if (this.proxy.stalled) {
      this.source.pause();
      return;
    }
    const now = Date.now();
    while (!this.blocked && this.queue.length > 0 && (this.queue[0] as Item).dueAt <= now) this.send(this.queue.shift() as Item);
    if (this.blocked) return;
    if (this.held <= HIGH_WATER_BYTES && !this.source.destroyed) this.source.resume();
    const next = this.queue[0];
    if (next) this.timer = setTimeout(() => this.pump(), next.dueAt - now);
  }

  /** After a cut: nothing more is forwarded, whatever still arrives. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private send(item: Item): void {
    if ('chunk' in item) {
      this.held -= item.chunk.length;
      this.count(item.chunk.length);
      if (this.sink.destroyed || this.sink.write(item.chunk)) return;
      // The receiver is slower than the sender: hold the sender back rather than buffer for it.
      this.blocked = true;
      this.source.pause();
      this.sink.once('drain', () => {
        this.blocked = false;
        this.pump();
      });
    } else if (item.end === 'fin') this.sink.end();
    else reset(this.sink);
  }
}

/** Ends a socket with a TCP RST (a socket still connecting is simply destroyed). */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

/** A client connection and its connection to the target. */
class Link {
  private readonly directions: Direction[];

  constructor(
    proxy: FaultProxy,
    private readonly client: Socket,
    private readonly upstream: Socket,
    bytes: ProxyBytes,
  ) {
    this.directions = [new Direction(proxy, client, upstream, (n) => (bytes.up += n)), new Direction(proxy, upstream, client, (n) => (bytes.down += n))];
  }

  pump(): void {
    for (const direction of this.directions) direction.pump();
  }

  cut(mode: CutMode): void {
    for (const direction of this.directions) direction.stop();
    for (const socket of [this.client, this.upstream]) {
      if (mode === 'rst') reset(socket);
      else socket.end(() => socket.setTimeout(FIN_LINGER_MS, () => socket.destroy()));
    }
  }
}

/**
 * A TCP proxy for fault tests: listens on 127.0.0.1 (an ephemeral port) and forwards each
 * connection to `targetPort`; on command it cuts every connection, stalls them all (nothing is
 * forwarded either way, nothing is closed: a partition), delays every chunk, and resumes. A
 * connection whose target refuses it is reset, as the target itself would. Counts bytes.
 */
export class FaultProxy {
  readonly bytes: ProxyBytes = { up: 0, down: 0 };
  /** Connections accepted since the start: a reconnect shows up here. */
  accepted = 0;
  private stalledNow = false;
  private delayNowMs = 0;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts a proxy to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<FaultProxy> {
    // Half-open allowed: a FIN is passed on by the proxy in its turn, never answered by Node at once.
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    const proxy = new FaultProxy(server, targetPort);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the fault proxy is not listening');
    return address.port;
  }

  /** Whether forwarding is stopped (`stall` until `resume`). */
  get stalled(): boolean {
    return this.stalledNow;
  }

  /** The latency added to each chunk now. */
  get delayMs(): number {
    return this.delayNowMs;
  }

  /** Ends every open connection, both sides; new ones are accepted as before. */
  cut(mode: CutMode = 'rst'): void {
    for (const link of this.links) link.cut(mode);
    this.links.clear();
  }

  /** Stops forwarding on every connection, open and new, until `resume`. */
  stall(): void {
    this.stalledNow = true;
    for (const link of this.links) link.pump();
  }

  /** Adds `ms` of latency to every chunk from now on (0: none). */
  delay(ms: number): void {
    this.delayNowMs = ms;
  }

  /** Ends a stall and any delay; what was held goes on in order. */
  resume(): void {
    this.stalledNow = false;
    this.delayNowMs = 0;
    for (const link of this.links) link.pump();
  }

  async close(): Promise<void> {
    this.cut('rst');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort, noDelay: true, allowHalfOpen: true });
    const link = new Link(this, client, upstream, this.bytes);
    this.links.add(link);
    link.pump();
    const forget = (): void => {
      if (client.destroyed && upstream.destroyed) this.links.delete(link);
    };
    client.on('close', forget);
    upstream.on('close', forget);
  }
}
