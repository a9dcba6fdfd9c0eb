import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../../log/index.js';
import { Listeners } from '../listeners.js';
import { StoreCommitError } from './unit-of-work.js';

/** The promise every caller of `whenCommitted()` gets until the open transaction ends. */
interface Pending {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function pending(): Pending {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

/**
 * Groups every write of one event-loop turn into one SQLite transaction. A commit per write
 * costs ~20 µs plus a WAL append, and a job makes a dozen writes; one commit per turn is what lets
 * the master keep up with thousands of jobs a second (see notes/performance.md).
 *
 * The transaction commits once the turn's I/O callbacks have run (`setImmediate`), or earlier
 * through `commit()`. Whatever announces a write (a frame, an HTTP response, a log follower's
 * event) waits for `whenCommitted()` or calls `commit()` first, so nothing is announced before it
 * is stored.
 */
export class TickTransaction {
  private readonly beginStatement: Database.Statement;
  private readonly commitStatement: Database.Statement;
  private pending: Pending | undefined;
  private readonly failureListeners: Listeners<StoreCommitError>;
  /** Told how long each commit took; unset, commits are not timed at all. */
  private commitObserver: ((seconds: number) => void) | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly log: Logger = silentLogger(),
  ) {
    this.failureListeners = new Listeners((error) => log.error({ err: error }, 'a commit failure listener failed'));
    this.beginStatement = db.prepare('BEGIN');
    this.commitStatement = db.prepare('COMMIT');
  }

  /** Called before a write: opens this turn's transaction unless one is open. */
  open(): void {
    if (this.db.inTransaction) return;
    this.beginStatement.run();
    setImmediate(this.commitLater);
  }

  /** Makes every write so far durable; does nothing when none is pending. Throws `StoreCommitError`. */
  commit(): void {
    // `inTransaction` rather than a flag of our own: SQLite itself rolls back on some errors.
    if (!this.db.open || !this.db.inTransaction) return this.settle();
    const observer = this.commitObserver;
    const started = observer === undefined ? 0 : performance.now();
    try {
      this.commitStatement.run();
    } catch (cause) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const error = new StoreCommitError(`the store could not commit: ${(cause as Error).message}`, { cause });
      this.settle(error);
      this.failureListeners.emit(error);
      throw error;
    }
    observer?.((performance.now() - started) / 1000);
    this.settle();
  }

  /** Times every successful commit from now on (seconds, to `observer`): the metrics' store commit histogram. */
  observeCommits(observer: (seconds: number) => void): void {
    this.commitObserver = observer;
  }

  /**
   * Calls `listener` as soon as a commit fails, before anything else runs: what was about to announce
   * the lost writes (corked frames) can still be stopped, and state kept beside the store rebuilt.
   */
  onFailure(listener: (error: StoreCommitError) => void): () => void {
    return this.failureListeners.subscribe(listener);
  }

  /**
   * Resolves once every write so far is durable (at once when none is pending). Callers of one
   * transaction share one promise: a turn that creates hundreds of jobs waits on one.
   */
  whenCommitted(): Promise<void> {
    if (!this.db.inTransaction) return Promise.resolve();
    this.pending ??= pending();
    return this.pending.promise;
  }

  private readonly commitLater = (): void => {
    try {
      this.commit();
    } catch (error) {
      this.log.error({ err: error }, 'writes were lost');
    }
  };

  private settle(error?: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (error) pending?.reject(error);
    else pending?.resolve();
  }
}
