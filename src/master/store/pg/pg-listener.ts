import type pg from 'pg';
import type { Logger } from '../../../log/index.js';

/** The first wait before connecting again after a loss; doubled after each failure, up to `RETRY_MAX_MS`. */
const RETRY_FIRST_MS = 100;
/** Well within a master's lease (10 s by default): a server that is back is listened to again within a second. */
const RETRY_MAX_MS = 1000;

/** How a `PgListener` connects and whom it tells. */
export interface PgListenerOptions {
  /** Makes each connection (not connected yet): the first and any after a loss. */
  connect: () => pg.Client;
  channel: string;
  log: Logger;
  /** Each notification's payload, in the order the server sent them. */
  onPayload: (payload: string) => void;
  /**
   * Told once the connection lost is replaced and listening again: whatever was notified since the
   * loss was missed (re-read what matters now; a re-read made earlier could still miss some).
   */
  onLost: () => void;
}

/**
 * A connection of its own that LISTENs to one channel (a session that ran statements could not
 * take notifications between them). When it is lost (the server restarted, its session was
 * ended, the network dropped) it connects again by itself, and says so through `onLost`. The
 * URL's password is never logged: only PostgreSQL's and the socket's own messages are.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  private constructor(private readonly options: PgListenerOptions) {}

  /** Listening once it resolves; rejects when the first connection or its LISTEN fails. */
  static async open(options: PgListenerOptions): Promise<PgListener> {
    const listener = new PgListener(options);
    await listener.session();
    return listener;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** A new connection, listening; the current one once it has. */
  private async session(): Promise<void> {
    const client = this.options.connect();
    let listening = false;
    const lost = (error: unknown) => {
      if (listening) this.lost(client, error);
    };
    // Before connecting: an error meanwhile fails `connect()` below rather than going uncaught.
    client.on('error', lost);
    client.on('end', () => lost(new Error('the connection ended')));
    client.on('notification', (message) => {
      if (client === this.client && message.channel === this.options.channel && message.payload !== undefined) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    listening = true;
    this.client = client;
  }

  /** A listener that throws is reported; the connection's other notifications still arrive. */
  private deliver(payload: string): void {
    try {
      this.options.onPayload(payload);
    } catch (error) {
      this.options.log.error({ err: error }, 'a signal listener failed');
    }
  }

  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client || this.closed) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.options.log.warn({ err: error }, 'lost the signal connection to PostgreSQL; connecting again (signals meanwhile are re-read once it is back)');
    this.retry();
  }

  private retry(): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures);
    this.timer = setTimeout(() => {
      this.session().then(
        () => {
          if (this.closed) return;
          this.failures = 0;
          this.options.log.info('listening to PostgreSQL signals again');
          try {
            this.options.onLost();
          } catch (error) {
            this.options.log.error({ err: error }, 'a signal loss listener failed');
          }
        },
        (error: unknown) => {
          if (this.closed) return;
          this.failures++;
          this.options.log.debug({ err: error }, 'could not connect the signal connection to PostgreSQL; trying again');
          this.retry();
        },
      );
    }, delay);
  }
}
