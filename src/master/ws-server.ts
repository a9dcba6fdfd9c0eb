import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log/index.js';
import { upgradeToken, type CredentialService } from './auth/index.js';
import type { Hub } from './hub/index.js';
import { listen, type ListenAddress } from './listen.js';

export interface WsServerOptions {
  host: string;
  port: number;
  maxPayloadBytes: number;
  /** Certificate and key: the port speaks `wss://` only (a plain `ws://` handshake fails). */
  tls?: { cert: Buffer; key: Buffer } | undefined;
}

/**
 * The WebSocket port for nodes and bridges. Authentication happens on the HTTP upgrade, so a client
 * without a node or bridge credential gets a 401 and never reaches the frame parser; the hub holds
 * each connection to what its credential's role may do.
 */
export class WsServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  constructor(
    private readonly options: WsServerOptions,
    private readonly credentials: CredentialService,
    private readonly hub: Hub,
    private readonly log: Logger,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    const notWebSocket: RequestListener = (_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket', connection: 'Upgrade' });
      res.end(JSON.stringify({ error: { code: 'bad_request', message: 'this port speaks WebSocket; the HTTP API is on the HTTP port' } }));
    };
    const { tls } = options;
    this.http = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, notWebSocket) : createServer(notWebSocket);
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_error, socket) => socket.destroy());
  }

  listen(): Promise<ListenAddress> {
    return listen(this.http, this.options.host, this.options.port);
  }

  async close(): Promise<void> {
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const principal = this.credentials.identify(upgradeToken(req));
    // The admin credential is for the HTTP API: a leaked one still cannot pose as a node.
    if (!principal || principal.role === 'admin') {
      this.log.warn({ address }, 'refused connection: missing or wrong token');
      const body = JSON.stringify({ error: { code: 'unauthorized', message: 'missing or wrong token' } });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.hub.accept(ws, socket, address, principal));
  }
}
