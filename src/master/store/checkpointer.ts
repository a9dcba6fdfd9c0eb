import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * What the checkpoint thread reports: the WAL is long and a passive checkpoint could not copy all
 * of it back, it was all copied back and the thread truncated the file, or it failed.
 */
export type CheckpointReport = { kind: 'behind'; frames: number } | { kind: 'truncated'; frames: number } | { kind: 'failed'; message: string };

export interface CheckpointerOptions {
  /** The database file. */
  path: string;
  intervalMs: number;
  /** WAL frames (pages) past which `onReport` hears `behind`. */
  maxFrames: number;
  /** A WAL all copied back that is longer than this many frames is truncated to nothing (`truncated`). */
  truncateFrames: number;
  onReport: (report: CheckpointReport) => void;
}

/*
 * Plain CommonJS in a string, so that it runs the same from dist/ and from the TypeScript sources
 * under test. The driver's path comes from the master: the master's cwd need not hold node_modules.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
// Never waits for a lock: a TRUNCATE that had to wait would hold the master's writes back meanwhile.
const truncate = () => {
  db.pragma('busy_timeout = 0');
  try {
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)');
    return row.busy === 0;
  } finally {
    db.pragma('busy_timeout = 1000');
  }
};
const timer = setInterval(() => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // Fully copied back, the WAL starts over at the next write; only one that could not be is behind.
    if (row.log > workerData.maxFrames && row.checkpointed < row.log) parentPort.postMessage({ kind: 'behind', frames: row.log });
    // Starting over would keep the file at its peak size (an idle master writes nothing to start over with): give the disk back.
    else if (row.log > workerData.truncateFrames && row.checkpointed === row.log && truncate()) parentPort.postMessage({ kind: 'truncated', frames: row.log });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', message: String(error && error.message) });
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

/** How long `stop()` waits for the thread to close its connection (it may be mid-checkpoint). */
const STOP_WAIT_MS = 5000;

/**
 * Copies the WAL back into the database from a thread of its own. SQLite's automatic checkpoint
 * runs inside whichever commit crosses 1000 pages, and its fsync stalls the event loop for tens of
 * milliseconds (measured here: commit p99 ~22 ms with it, ~0.4 ms without). A passive
 * checkpoint on a second connection never blocks the writer; when a busy master keeps the WAL from
 * being reset, `behind` asks the owner to run a RESTART checkpoint itself. A WAL that grew long
 * (a reader kept it from being reset) and is all copied back is truncated, so it does not keep
 * its peak size on disk; the owner's `journal_size_limit` does the same when a write resets it.
 */
export class Checkpointer {
  private readonly worker: Worker;
  /** Set to 1 by the thread once its connection is closed. */
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private running = true;

  constructor(options: CheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const { path, intervalMs, maxFrames, truncateFrames } = options;
    const workerData = { driver, path, intervalMs, maxFrames, truncateFrames, closed: this.closed };
    this.worker = new Worker(THREAD, { eval: true, workerData });
    this.worker.on('message', (report: CheckpointReport) => options.onReport(report));
    this.worker.on('error', (error) => options.onReport({ kind: 'failed', message: error.message }));
    this.worker.on('exit', () => (this.running = false));
    // Never what keeps the master alive.
    this.worker.unref();
  }

  /**
   * Closes the thread's connection and waits for that, so that the owner's connection is the
   * last one: closing it then removes the WAL, and nothing touches the files afterwards.
   */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.worker.postMessage('stop');
    Atomics.wait(this.closed, 0, 0, STOP_WAIT_MS);
  }
}
