import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Client } from './client.js';
import { textFrame } from './text-frame.js';

/** When a consumer that reads too slowly is cut off. */
export interface SendLimits {
  /** Bytes queued for one socket past which it must keep draining to stay connected. */
  maxBufferedBytes: number;
  /** How long a socket over `maxBufferedBytes` may go without draining a byte. */
  stallMs: number;
}

/** How long a socket over the limit may drain nothing before it is cut, unless configured. */
export const DEFAULT_SEND_STALL_SEC = 10;

/** Past this many times `maxBufferedBytes` a socket is cut at once, draining or not: memory stays bounded. */
const HARD_CAP_FACTOR = 4;

/** How far a socket's writes have got: see `progressOf`. */
interface Progress {
  /** Bytes of completed writes. */
  completed: number;
  /** Bytes of the write in flight not yet taken by the kernel (0 where unknown). */
  inFlight: number;
}

/** A socket over the limit: its progress when last seen draining, and the checks since then. */
interface Behind extends Progress {
  idleChecks: number;
}

/**
 * Sockets over the limit are checked this often per stall window. Counting checks rather than
 * reading the clock means a master that was itself stalled (a long GC, a blocked loop, when
 * libuv writes nothing either) never blames its readers for it.
 */
const CHECKS_PER_WINDOW = 4;

/** Frames a turn held back for a client (see `Outbox`): they go out together after its commit. */
type Held = [client: Client, frames: Buffer[]];

const NONE_HELD: readonly Held[] = [];

/**
 * Delivers text frames to clients. Each frame is encoded once for all its receivers and written
 * straight to their sockets; each receiving socket is corked until the current turn's I/O
 * callbacks have run, so a burst of N frames to one socket costs one write syscall instead of N.
 * Writing beside `ws` is safe because compression is off, so `ws` never holds frames itself.
 * Also enforces the send buffer limit: a consumer that is merely behind for a moment keeps its
 * connection, one that stays over the limit without draining for `stallMs` (or passes
 * `HARD_CAP_FACTOR` times the limit) is cut off, not buffered for forever. Sockets over the limit
 * are checked by one timer for all of them, which runs only while there are any.
 *
 * `beforeFlush` runs before a turn's frames leave: the store commits there, so no frame announces
 * a write that a crash could still lose. When it fails the frames are dropped with their
 * connections: peers reconnect and resend what was not acknowledged. When it answers at once
 * (SQLite commits on the spot) the corked sockets are uncorked in the same turn. When it answers
 * later (a database server), the turn's sockets stay corked until it does, and frames of later
 * turns for those sockets are held here, not written behind the corked ones (an uncork would let
 * them out before their own commit): each turn's frames leave once its own commit is done and
 * every earlier turn's have left, in order. Held frames count towards the send buffer limit.
 */
export class Outbox {
  private corked: Client[] = [];
  /** Clients whose frames this turn holds (`Client.held`). */
  private held: Client[] = [];
  /** Commit failures so far: a turn in flight when one happens is dropped, not delivered. */
  private failures = 0;
  private flushQueued = false;
  /** Turns waiting for their commit, or for an earlier turn's frames to leave. */
  private inFlight = 0;
  /** Settles once every turn handed to it so far has been delivered or dropped. */
  private delivered: Promise<void> = Promise.resolve();
  private readonly behind = new Map<Client, Behind>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly hardCap: number;

  constructor(
    private readonly limits: SendLimits,
    private readonly onOverflow: (client: Client, why: string) => void,
    private readonly beforeFlush: () => boolean | Promise<boolean>,
  ) {
    this.hardCap = limits.maxBufferedBytes * HARD_CAP_FACTOR;
  }

  /** Sends one text payload to every receiver but `except`. Returns how many it reached. */
  relay(payload: Buffer, receivers: Iterable<Client>, except?: Client): number {
    const frame = textFrame(payload);
    let delivered = 0;
    for (const receiver of receivers) {
      if (receiver !== except && this.write(receiver, frame)) delivered++;
    }
    return delivered;
  }

  /**
   * The store lost writes: frames waiting to announce them must never leave, this turn's nor those
   * of turns still waiting for their commit (their writes came after the lost ones and may stand on
   * them). Their peers reconnect and resend.
   */
  dropCorked(): void {
    this.failures++;
    const clients = this.corked;
    this.corked = [];
    for (const client of clients) {
      client.corked = false;
      client.ws.terminate();
    }
    const held = this.held;
    this.held = [];
    for (const client of held) {
      client.heldBytes -= byteLength(client.held ?? []);
      client.held = undefined;
      client.ws.terminate();
    }
  }

  /** Bytes waiting for the client: in its socket, and held here behind a commit. */
  queuedBytes(client: Client): number {
    return client.socket.writableLength + client.heldBytes;
  }

  /** Stops watching slow sockets (the hub is closing). */
  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.behind.clear();
  }

  private write(client: Client, frame: Buffer): boolean {
    if (client.ws.readyState !== WebSocket.OPEN) return false;
    if (client.awaiting > 0 || client.held !== undefined) return this.hold(client, frame);
    const socket = client.socket;
    if (!client.corked) {
      client.corked = true;
      socket.cork();
      this.corked.push(client);
      this.queueFlush();
    }
    socket.write(frame);
    // The only per-write cost of the limit: one comparison. The rest runs for sockets over it.
    return socket.writableLength > this.limits.maxBufferedBytes ? this.overLimit(client) : true;
  }

  /** The socket still holds an earlier turn's frames, corked until their commit: this turn's wait here. */
  private hold(client: Client, frame: Buffer): boolean {
    if (client.held === undefined) {
      client.held = [];
      this.held.push(client);
      this.queueFlush();
    }
    client.held.push(frame);
    client.heldBytes += frame.length;
    return this.queuedBytes(client) > this.limits.maxBufferedBytes ? this.overLimit(client) : true;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flush);
  }

  /** A socket past the limit: cut it at the hard cap, otherwise watch that it keeps draining. */
  private overLimit(client: Client): boolean {
    if (this.queuedBytes(client) > this.hardCap) {
      this.cut(client, `over ${mebibytes(this.hardCap)} queued`);
      return false;
    }
    if (!this.behind.has(client)) {
      this.behind.set(client, { ...progressOf(client.socket), idleChecks: 0 });
      this.sweeper ??= setInterval(this.sweep, Math.max(1, this.limits.stallMs / CHECKS_PER_WINDOW)).unref();
    }
    return true;
  }

  /** Forgets sockets back under the limit (or gone) and cuts those that drained nothing for `stallMs`. */
  private readonly sweep = (): void => {
    for (const [client, seen] of this.behind) {
      if (client.ws.readyState !== WebSocket.OPEN || this.queuedBytes(client) <= this.limits.maxBufferedBytes) {
        this.behind.delete(client);
        continue;
      }
      const current = progressOf(client.socket);
      // A write in flight only shrinks as the kernel takes it; a new one starts after a completion.
      if (current.completed > seen.completed || current.inFlight < seen.inFlight) {
        Object.assign(seen, current, { idleChecks: 0 });
      } else if (++seen.idleChecks > CHECKS_PER_WINDOW) {
        this.cut(client, `over ${mebibytes(this.limits.maxBufferedBytes)} queued and nothing drained for ${this.limits.stallMs / 1000} s`);
      }
    }
    if (this.behind.size === 0) this.stop();
  };

  private cut(client: Client, why: string): void {
    this.behind.delete(client);
    this.onOverflow(client, why);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    const corked = this.corked;
    this.corked = [];
    const held = this.takeHeld();
    const deliver = this.beforeFlush();
    if (typeof deliver === 'boolean' && this.inFlight === 0) return this.release(corked, held, deliver);
    // Later turns' frames for these sockets are held from now on, until these have left.
    for (const client of corked) {
      client.corked = false;
      client.awaiting++;
    }
    for (const [client] of held) client.awaiting++;
    const outcome = typeof deliver === 'boolean' ? deliver : deliver.then((ok) => ok, () => false);
    const failuresBefore = this.failures;
    this.inFlight++;
    this.delivered = this.delivered
      .then(() => outcome)
      .then((ok) => {
        this.inFlight--;
        for (const client of corked) client.awaiting--;
        for (const [client] of held) client.awaiting--;
        this.release(corked, held, ok && this.failures === failuresBefore);
      });
  };

  /** This turn's held frames, taken off their clients. */
  private takeHeld(): readonly Held[] {
    if (this.held.length === 0) return NONE_HELD;
    const held = this.held.map((client): Held => [client, client.held ?? []]);
    for (const client of this.held) client.held = undefined;
    this.held = [];
    return held;
  }

  /** A turn's frames leave (`deliver`), or their connections are dropped. */
  private release(corked: readonly Client[], held: readonly Held[], deliver: boolean): void {
    for (const client of corked) {
      client.corked = false;
      if (deliver) client.socket.uncork();
      else client.ws.terminate();
    }
    for (const [client, frames] of held) {
      client.heldBytes -= byteLength(frames);
      if (!deliver) client.ws.terminate();
      else if (client.ws.readyState === WebSocket.OPEN) this.writeHeld(client, frames);
    }
  }

  private writeHeld(client: Client, frames: readonly Buffer[]): void {
    const socket = client.socket;
    socket.cork();
    for (const frame of frames) socket.write(frame);
    socket.uncork();
    if (socket.writableLength > this.limits.maxBufferedBytes) this.overLimit(client);
  }
}

function byteLength(frames: readonly Buffer[]): number {
  let bytes = 0;
  for (const frame of frames) bytes += frame.length;
  return bytes;
}

/**
 * How far the socket's writes have got. `bytesWritten` counts what is still queued too, so
 * `bytesWritten - writableLength` is what completed; but Node writes everything queued behind a
 * pending write as one `writev`, which completes only once the reader took all of it, so on plain
 * TCP the bytes libuv still holds of that write (`_handle.writeQueueSize`, a Node internal) show
 * progress within it. TLS keeps that inside the TLS layer: there, only completed writes count.
 * Only called for sockets over the limit, since `bytesWritten` walks the queue.
 */
function progressOf(socket: Duplex): Progress {
  const { bytesWritten, _handle } = socket as Partial<Pick<Socket, 'bytesWritten'>> & { _handle?: { writeQueueSize?: unknown } };
  const inFlight = _handle?.writeQueueSize;
  return { completed: (bytesWritten ?? 0) - socket.writableLength, inFlight: typeof inFlight === 'number' ? inFlight : 0 };
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}
