/**
 * The load generator's HTTP/1.1 client: a few keep-alive connections with pipelined requests, each
 * corked for the rest of the tick so that a burst of POSTs is one write. node:http's client costs
 * tens of µs a request, which would make the generator (sharing two cores with the pipeline) part
 * of what is measured. It understands only what both pipelines send: Content-Length bodies.
 */
import { connect, type Socket } from 'node:net';

export interface HttpResponse {
  status: number;
  body: string;
}

interface Pending {
  resolve(response: HttpResponse): void;
  reject(error: Error): void;
}

const HEAD_END = '\r\n\r\n';
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

class Connection {
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private corked = false;
  closed = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the server closed an HTTP connection')));
  }

  get load(): number {
    return this.pending.length;
  }

  send(request: string): Promise<HttpResponse> {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(request);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      const length = CONTENT_LENGTH.exec(head)?.[1];
      if (length === undefined) return this.fail(new Error(`a response without Content-Length: ${head.slice(0, 200)}`));
      const total = end + HEAD_END.length + Number(length);
      if (this.buffer.length < total) return;
      const body = this.buffer.toString('utf8', end + HEAD_END.length, total);
      this.buffer = this.buffer.subarray(total);
      this.pending.shift()?.resolve({ status: Number(head.slice(9, 12)), body });
    }
  }

  private fail(error: Error): void {
    this.closed = true;
    this.socket.destroy();
    for (const request of this.pending.splice(0)) request.reject(error);
  }
}

/** Requests go to the connection with the fewest outstanding; closed ones are replaced lazily. */
export class HttpClient {
  private connections: Connection[] = [];
  private readonly host: string;
  private readonly port: number;

  constructor(
    url: string,
    private readonly token: string,
    private readonly size: number,
  ) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }

  /** `headers`: more header lines, each ending in CRLF. */
  request(method: 'GET' | 'POST', path: string, body?: string, headers = ''): Promise<HttpResponse> {
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\nauthorization: Bearer ${this.token}\r\n${headers}`;
    const entity = body === undefined ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    return this.pick().send(`${head}${entity}\r\n${body ?? ''}`);
  }

  close(): void {
    for (const connection of this.connections) connection.destroy();
    this.connections = [];
  }

  private pick(): Connection {
    this.connections = this.connections.filter((c) => !c.closed);
    while (this.connections.length < this.size) this.connections.push(new Connection(connect(this.port, this.host)));
    let best = this.connections[0] as Connection;
    for (const connection of this.connections) if (connection.load < best.load) best = connection;
    return best;
  }
}
