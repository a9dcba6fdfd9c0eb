import { WebSocket } from 'ws';
import type { Client } from './client.js';
import { textFrame } from './text-frame.js';

/**
 * Delivers text frames to clients. Each frame is encoded once for all its receivers and written
 * straight to their sockets; each receiving socket is corked until the current turn's I/O
 * callbacks have run, so a burst of N frames to one socket costs one write syscall instead of N.
 * Writing beside `ws` is safe because compression is off, so `ws` never holds frames itself.
 * Also enforces the per-socket send buffer limit: a consumer that stops reading is cut off,
 * not buffered for forever. `beforeFlush` runs before the corked frames leave: the store commits
 * there, so no frame announces a write that a crash could still lose. When it fails the frames are
 * dropped with their connections: peers reconnect and resend what was not acknowledged.
 */
export class Outbox {
  private corked: Client[] = [];

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: (client: Client) => void,
    private readonly beforeFlush: () => boolean,
  ) {}

  /** Sends one text payload to every receiver but `except`. Returns how many it reached. */
  relay(payload: Buffer, receivers: Iterable<Client>, except?: Client): number {
    const frame = textFrame(payload);
    let delivered = 0;
    for (const receiver of receivers) {
      if (receiver !== except && this.write(receiver, frame)) delivered++;
    }
    return delivered;
  }

  /** The store lost this turn's writes: frames waiting to announce them must never leave. Their peers reconnect and resend. */
  dropCorked(): void {
    const clients = this.corked;
    this.corked = [];
    for (const client of clients) {
      client.corked = false;
      client.ws.terminate();
    }
  }

  private write(client: Client, frame: Buffer): boolean {
    if (client.ws.readyState !== WebSocket.OPEN) return false;
    const socket = client.socket;
    if (!client.corked) {
      client.corked = true;
      socket.cork();
      if (this.corked.push(client) === 1) setImmediate(this.flush);
    }
    socket.write(frame);
    if (socket.writableLength > this.maxBufferedBytes) {
      this.onOverflow(client);
      return false;
    }
    return true;
  }

  private readonly flush = (): void => {
    const clients = this.corked;
    this.corked = [];
    const deliver = this.beforeFlush();
    for (const client of clients) {
      client.corked = false;
      if (deliver) client.socket.uncork();
      else client.ws.terminate();
    }
  };
}
