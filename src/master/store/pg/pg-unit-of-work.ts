import type pg from 'pg';
import type { QueryResult, QueryResultRow } from 'pg';
import type { Logger } from '../../../log/index.js';
import { Listeners } from '../../listeners.js';
import { StoreCommitError, type Commit } from '../unit-of-work.js';
import { storableValues } from './pg-client.js';

/** One statement: `name` makes it a prepared statement of the connection, parsed once. */
export interface PgStatement {
  name?: string;
  text: string;
  values?: readonly unknown[];
}

/**
 * Rows that consecutive writes of a turn add to, sent as one statement (`PgUnitOfWork.gather`):
 * before any other statement is queued, once it is `full`, and before the commit.
 */
export interface Gathering {
  readonly full: boolean;
  statement(): PgStatement;
}

/** The promise every caller of `whenCommitted()` gets until the turn's transaction ends. */
interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

/** The open transaction of a turn: its connection, and the first of its statements that failed. */
interface Turn {
  readonly client: pg.Client;
  failure: unknown;
  waiters: Waiters | undefined;
}

/**
 * Plans every statement for its parameters and the tables as they are now. A prepared statement's
 * generic plan is made once, when the tables may still be empty: a plan that scans `jobs`, cheap
 * then, stays in use as it grows (measured: an event insert went from 5 ms to 100 ms per 1000 rows
 * beside 30 000 jobs, until an ANALYZE happened to replan it). Planning these statements costs less.
 */
const SESSION_SETUP = 'SET plan_cache_mode = force_custom_plan';

const message = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/**
 * Groups every write of one event-loop turn into one PostgreSQL transaction, on one connection
 * (the writer). The turn's first write queues BEGIN, each statement is queued as it comes (the
 * client sends them in order, pipelined), and COMMIT is queued once the turn's I/O callbacks have
 * run (`setImmediate`) or earlier through `commit()`. Reads go through the same connection, so
 * they see the turn's writes, and the commits before them.
 *
 * A statement that fails aborts the transaction (PostgreSQL ignores the rest of it): its commit
 * then fails as a whole, `StoreCommitError` to the failure listeners and to whoever waits on it,
 * and the next turn begins a new one. So the store's statements are written not to fail for what
 * the schema forbids (ON CONFLICT, NOT EXISTS): a conflict must not take the turn's other writes
 * with it. A connection that is lost fails its turn the same way; the next turn gets a new one.
 */
export class PgUnitOfWork {
  private client: pg.Client;
  /** Whether `client` is (or is becoming) usable; false once it was lost: the next statement reconnects. */
  private connected = true;
  /** Whether `client` ever finished connecting: a reconnection that fails is no news worth a warning each time. */
  private established = true;
  private closed = false;
  private turn: Turn | undefined;
  /** The turn's rows being gathered into one statement, not sent yet. */
  private gathering: Gathering | undefined;
  /** The last commit not settled yet: what a `commit()` with nothing of its own waits for. */
  private inflight: Promise<void> | undefined;
  private readonly failureListeners: Listeners<StoreCommitError>;
  /** Told how long each commit took; unset, commits are not timed at all. */
  private commitObserver: ((seconds: number) => void) | undefined;

  private constructor(
    private readonly connect: () => pg.Client,
    private readonly log: Logger,
    first: pg.Client,
  ) {
    this.failureListeners = new Listeners((error) => log.error({ err: error }, 'a commit failure listener failed'));
    this.client = first;
    this.watch(first);
  }

  /** Connects the writer (`connect` makes each connection, this first one and any after a loss). */
  static async open(connect: () => pg.Client, log: Logger): Promise<PgUnitOfWork> {
    const client = connect();
    // Before connecting: an error emitted meanwhile must not be an uncaught one.
    const early = (error: Error) => log.warn({ err: error }, 'the PostgreSQL connection failed while opening');
    client.on('error', early);
    await client.connect();
    client.off('error', early);
    await client.query(SESSION_SETUP);
    return new PgUnitOfWork(connect, log, client);
  }

  /** A write whose result nobody waits for: it joins the turn's transaction; a failure fails the commit. */
  write(statement: PgStatement): void {
    void this.send(this.begin(), statement);
  }

  /**
   * The turn's open gathering of this kind for a write to add its rows to (a new one when the last
   * statement queued was another): a frame's events cost a share of one statement, not one each.
   */
  gather<G extends Gathering>(kind: new () => G): G {
    this.begin();
    if (this.gathering instanceof kind && !this.gathering.full) return this.gathering;
    this.release();
    const gathering = new kind();
    this.gathering = gathering;
    return gathering;
  }

  /** A write that returns what it made: joins the turn's transaction and resolves once the statement has run. */
  run<R extends QueryResultRow>(statement: PgStatement): Promise<QueryResult<R>> {
    return this.send<R>(this.begin(), statement);
  }

  /** A read, after the writes queued so far (those of the open turn included). */
  read<R extends QueryResultRow>(statement: PgStatement): Promise<QueryResult<R>> {
    return this.send<R>(this.turn, statement);
  }

  /** Ends the turn's transaction now (see `Commit`): the commit's promise, the one still under way, or undefined. */
  commit(): Commit {
    const turn = this.turn;
    if (turn === undefined) return this.inflight;
    this.release();
    this.turn = undefined;
    const done = this.finish(turn);
    this.inflight = done;
    const clear = () => {
      if (this.inflight === done) this.inflight = undefined;
    };
    // Cleared before the waiters hear: once `whenCommitted()` resolved, `commit()` has nothing to wait for.
    // Handled here once, so that a caller who drops the promise leaves no unhandled rejection.
    done.then(
      () => {
        clear();
        turn.waiters?.resolve();
      },
      (error: Error) => {
        clear();
        turn.waiters?.reject(error);
        this.log.error({ err: error }, 'writes were lost');
      },
    );
    return done;
  }

  /** Resolves once every write so far is durable (at once when none is pending); callers of one turn share one promise. */
  whenCommitted(): Promise<void> {
    if (this.turn === undefined) return this.inflight ?? Promise.resolve();
    this.turn.waiters ??= waiters();
    return this.turn.waiters.promise;
  }

  /** Calls `listener` as soon as a commit fails, before whoever waits on the commit hears of it. */
  onFailure(listener: (error: StoreCommitError) => void): () => void {
    return this.failureListeners.subscribe(listener);
  }

  /** Times every successful commit from now on (seconds, to `observer`). */
  observeCommits(observer: (seconds: number) => void): void {
    this.commitObserver = observer;
  }

  /** Commits what is pending and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    const last = this.commit();
    this.closed = true;
    // A failure was told to the listeners and logged already.
    await last?.catch(() => undefined);
    await this.client.end();
  }

  /** The turn's transaction, begun (BEGIN queued, COMMIT scheduled) by its first write. */
  private begin(): Turn {
    if (this.turn) return this.turn;
    if (this.closed) throw new StoreCommitError('the store is closed');
    const turn: Turn = { client: this.writer(), failure: undefined, waiters: undefined };
    this.turn = turn;
    void this.send(turn, { text: 'BEGIN' });
    setImmediate(() => {
      if (this.turn === turn) void this.commit();
    });
    return turn;
  }

  /** Queues `statement` on the turn's connection (else the writer's); its failure dooms the turn. */
  private send<R extends QueryResultRow>(turn: Turn | undefined, statement: PgStatement): Promise<QueryResult<R>> {
    // Whatever comes next (a read of those rows too) comes after them.
    this.release();
    const client = turn?.client ?? this.writer();
    const values = statement.values && storableValues(statement.values);
    const result = client.query<R>({ name: statement.name, text: statement.text, values: values as unknown[] | undefined });
    if (turn) result.catch((error: unknown) => (turn.failure ??= error));
    return result;
  }

  /** Sends the rows gathered so far (a write of the open turn). */
  private release(): void {
    const gathering = this.gathering;
    if (gathering === undefined) return;
    this.gathering = undefined;
    void this.send(this.turn, gathering.statement());
  }

  private async finish(turn: Turn): Promise<void> {
    const started = performance.now();
    let cause = turn.failure;
    try {
      const result = await turn.client.query(cause === undefined ? 'COMMIT' : 'ROLLBACK');
      // An aborted transaction answers COMMIT with ROLLBACK; the failed statement said why.
      if (result.command === 'ROLLBACK') cause = turn.failure ?? cause ?? new Error('PostgreSQL rolled the transaction back');
    } catch (error) {
      cause = turn.failure ?? error;
    }
    if (cause === undefined) {
      this.commitObserver?.((performance.now() - started) / 1000);
      return;
    }
    const error = new StoreCommitError(`the store could not commit: ${message(cause)}`, { cause });
    // Before anyone waiting on the commit hears of it: what would announce the lost writes can still be stopped.
    this.failureListeners.emit(error);
    throw error;
  }

  /** The writer's connection; a new one (connecting in the background) when the last was lost. */
  private writer(): pg.Client {
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

  private watch(client: pg.Client): void {
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
  }

  /** The writer's connection is gone: its turn fails through its statements, and the next turn reconnects. */
  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client || !this.connected || this.closed) return;
    this.connected = false;
    if (this.established) this.log.warn({ err: error }, 'lost the connection to PostgreSQL; the next statements reconnect');
    else this.log.debug({ err: error }, 'could not reconnect to PostgreSQL; the next statements try again');
  }
}
