import { WebSocket } from 'ws';
import type { Client } from './client.js';

/** ws treats a Buffer as binary unless told otherwise; relayed chat must stay a text frame. */
const TEXT_FRAME = { binary: false } as const;

/**
 * Sends frames with each receiving socket corked for the rest of the current tick, so a burst of
 * N frames to one socket costs one write syscall and one TCP segment instead of N. Also enforces
 * the per-socket send buffer limit: a consumer that stops reading is cut off, not buffered forever.
 */
export class Outbox {
  private corked: Client[] = [];

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: (client: Client) => void,
  ) {}

  /** Queues a text frame (already encoded once for all receivers). Returns false if not sent. */
  send(client: Client, data: Buffer): boolean {
    if (client.ws.readyState !== WebSocket.OPEN) return false;
    if (!client.corked) {
      client.corked = true;
      client.socket.cork();
      if (this.corked.push(client) === 1) process.nextTick(this.flush);
    }
    client.ws.send(data, TEXT_FRAME);
    if (client.ws.bufferedAmount > this.maxBufferedBytes) {
      this.onOverflow(client);
      return false;
    }
    return true;
  }

  private readonly flush = (): void => {
    const clients = this.corked;
    this.corked = [];
    for (const client of clients) {
      client.corked = false;
      client.socket.uncork();
    }
  };
}
