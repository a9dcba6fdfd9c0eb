import type pg from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';
import type { Logger } from '../../../log/index.js';
import { storableValues } from './pg-client.js';

/** One statement: `name` makes it a prepared statement of the connection, parsed once. */
export interface PgStatement {
  name?: string;
  text: string;
  values?: readonly unknown[];
}

/**
 * Plans every statement for its parameters and the tables as they are now. A prepared statement's
 * generic plan is made once, when the tables may still be empty: a plan that scans `jobs`, cheap
 * then, stays in use as it grows (measured: an event insert went from 5 ms to 100 ms per 1000 rows
 * beside 30 000 jobs, until an ANALYZE happened to replan it). Planning these statements costs less.
 */
const SESSION_SETUP = 'SET plan_cache_mode = force_custom_plan';

/**
 * The store's one connection for writes and the reads beside them: statements are sent in order
 * without waiting for each other (node-postgres' pipeline mode), and a connection that is lost is
 * replaced by the next statement.
 */
export class PgWriter {
  /** Whether `client` is (or is becoming) usable; false once it was lost: the next statement reconnects. */
  private connected = true;
  /** Whether `client` ever finished connecting: a reconnection that fails is no news worth a warning each time. */
  private established = true;
  private closed = false;

  private constructor(
    private readonly connect: () => pg.Client,
    private readonly log: Logger,
    private client: pg.Client,
  ) {
    this.watch(client);
  }

  /** Connects the writer (`connect` makes each connection, this first one and any after a loss). */
  static async open(connect: () => pg.Client, log: Logger): Promise<PgWriter> {
    const client = connect();
    // Before connecting: an error emitted meanwhile must not be an uncaught one.
    const early = (error: Error) => log.warn({ err: error }, 'the PostgreSQL connection failed while opening');
    client.on('error', early);
    await client.connect();
    client.off('error', early);
    await client.query(SESSION_SETUP);
    return new PgWriter(connect, log, client);
  }

  /** The connection statements go to now; a new one (connecting in the background) when the last was lost. */
  current(): pg.Client {
    if (this.connected || this.closed) return this.client;
    const client = this.connect();
    this.client = client;
    this.connected = true;
    this.established = false;
    this.watch(client);
    // Statements queued meanwhile wait for the connection; if it fails, they fail with it.
    client.connect().then(
      () => {
        if (client === this.client) this.established = true;
        this.log.info('reconnected to PostgreSQL');
      },
      (error: unknown) => this.lost(client, error),
    );
    // First in the connection's queue; a failure is the connection's, which its statements report.
    client.query(SESSION_SETUP).catch(() => undefined);
    return client;
  }

  /** Queues `statement` on `client` (parameters made storable: see `storableValues`). */
  query<R extends QueryResultRow>(client: pg.Client, statement: PgStatement): Promise<QueryResult<R>> {
    const values = statement.values && storableValues(statement.values);
    return client.query<R>({ name: statement.name, text: statement.text, values: values as unknown[] | undefined });
  }

  async end(): Promise<void> {
    this.closed = true;
    await this.client.end();
  }

  private watch(client: pg.Client): void {
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
  }

  /** The connection is gone: its turn fails through its statements, and the next statement reconnects. */
  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client || !this.connected || this.closed) return;
    this.connected = false;
    if (this.established) this.log.warn({ err: error }, 'lost the connection to PostgreSQL; the next statements reconnect');
    else this.log.debug({ err: error }, 'could not reconnect to PostgreSQL; the next statements try again');
  }
}
