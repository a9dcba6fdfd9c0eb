import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface SeedOptions {
  jobs: number;
  eventsPerJob: number;
  /** Characters of log text per event. */
  eventChars?: number;
}

/**
 * Fills a migrated store (`master.db`, a master may be running on it) with finished jobs and
 * their log events, in one transaction: a store of tens of megabytes in a second or two.
 */
export function seedFinishedJobs(dbPath: string, options: SeedOptions): { firstJobId: number } {
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const job = db.prepare<[string, string, number]>(
      `INSERT INTO jobs (status, prompt, origin, max_attempts, timeout_sec, created_at, finished_at, last_seq)
       VALUES ('succeeded', 'seeded', '{"kind":"api"}', 3, 3600, ?, ?, ?)`,
    );
    const event = db.prepare<[number | bigint, number, string, string]>('INSERT INTO job_events (job_id, seq, at, event) VALUES (?, ?, ?, ?)');
    const text = 'x'.repeat(options.eventChars ?? 200);
    const at = new Date().toISOString();
    let firstJobId = 0;
    db.transaction(() => {
      for (let j = 0; j < options.jobs; j++) {
        const id = job.run(at, at, options.eventsPerJob).lastInsertRowid;
        if (j === 0) firstJobId = Number(id);
        for (let seq = 1; seq <= options.eventsPerJob; seq++) event.run(id, seq, at, JSON.stringify({ kind: 'log', stream: 'stdout', text }));
      }
    })();
    return { firstJobId };
  } finally {
    db.close();
  }
}

/* Plain CommonJS in a string, like the checkpointer's thread: the same from sources and dist/. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const insert = db.prepare('INSERT INTO job_events (job_id, seq, at, event) VALUES (?, ?, ?, ?)');
const text = JSON.stringify({ kind: 'log', stream: 'stdout', text: 'y'.repeat(200) });
let seq = workerData.fromSeq;
let stopped = false;
parentPort.once('message', () => (stopped = true));
const batch = db.transaction(() => {
  for (let i = 0; i < 10; i++) insert.run(workerData.jobId, ++seq, new Date().toISOString(), text);
});
function step() {
  if (stopped) {
    db.close();
    parentPort.postMessage('stopped');
    return;
  }
  batch();
  Atomics.store(workerData.written, 0, seq - workerData.fromSeq);
  setImmediate(step);
}
step();
`;

/**
 * A second connection, on a thread of its own, appending log events to one job as fast as it
 * can in commits of 10: a writer that never pauses, as another process would be. `written` is
 * readable at any moment, even while the main thread is busy.
 */
export class StoreWriter {
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;

  constructor(dbPath: string, jobId: number, fromSeq: number) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD, { eval: true, workerData: { driver, path: dbPath, jobId, fromSeq, written: this.counter } });
  }

  /** Events committed so far. */
  get written(): number {
    return Atomics.load(this.counter, 0);
  }

  /** Stops after the current commit; resolves with the events written in all. */
  async stop(): Promise<number> {
    const stopped = new Promise((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
    return this.written;
  }
}
