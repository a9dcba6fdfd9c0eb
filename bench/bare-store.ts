/**
 * The bare baseline's store: the master's own jobs schema (migrations/0002_jobs.sql) in
 * better-sqlite3 with WAL and synchronous=NORMAL, statements prepared once, and every write of
 * one event-loop turn in one transaction. What depends on a write (a response, a frame, a
 * follower's event) runs in `afterCommit`, so nothing is announced before it is stored.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

const SCHEMA = new URL('../migrations/0002_jobs.sql', import.meta.url);

/** An event as stored: `json` is the event itself, serialized once for the row and for followers. */
export interface StoredEvent {
  seq: number;
  at: string;
  json: string;
}

export interface JobState {
  status: string;
  lastSeq: number;
}

const ORIGIN = JSON.stringify({ kind: 'api' });

export class BareStore {
  private readonly db: Database.Database;
  private readonly statements;
  private inTransaction = false;
  private committed: Array<() => void> = [];

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(readFileSync(SCHEMA, 'utf8'));
    const db = this.db;
    this.statements = {
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      insertJob: db.prepare<[string, string, string]>(
        "INSERT INTO jobs (status, prompt, origin, max_attempts, timeout_sec, created_at) VALUES ('queued', ?, ?, 3, 3600, ?)",
      ),
      assign: db.prepare<[string, string, number]>("UPDATE jobs SET status = 'assigned', node = ?, attempt = attempt + 1, assigned_at = ? WHERE id = ?"),
      start: db.prepare<[string, number]>("UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?"),
      finish: db.prepare<[string, string, string, number]>('UPDATE jobs SET status = ?, result = ?, finished_at = ? WHERE id = ?'),
      insertEvent: db.prepare<[number, number, string, string]>('INSERT OR IGNORE INTO job_events (job_id, seq, at, event) VALUES (?, ?, ?, ?)'),
      raiseLastSeq: db.prepare<[number, number]>('UPDATE jobs SET last_seq = max(last_seq, ?) WHERE id = ?'),
      selectJob: db.prepare<[number], { status: string; last_seq: number }>('SELECT status, last_seq FROM jobs WHERE id = ?'),
      selectEvents: db.prepare<[number, number, number], StoredEvent>('SELECT seq, at, event AS json FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  /** Runs `fn` once this turn's writes are committed; at once when none are pending. */
  afterCommit(fn: () => void): void {
    if (this.inTransaction) this.committed.push(fn);
    else fn();
  }

  createJob(prompt: string, at: string): number {
    this.begin();
    return Number(this.statements.insertJob.run(prompt, ORIGIN, at).lastInsertRowid);
  }

  assign(id: number, node: string, at: string): void {
    this.begin();
    this.statements.assign.run(node, at, id);
  }

  start(id: number, at: string): void {
    this.begin();
    this.statements.start.run(at, id);
  }

  finish(id: number, status: string, resultJson: string, at: string): void {
    this.begin();
    this.statements.finish.run(status, resultJson, at, id);
  }

  /** Stores events not seen before (by seq); returns the highest seq of the batch. */
  appendEvents(jobId: number, events: readonly StoredEvent[]): number {
    this.begin();
    let highest = 0;
    for (const { seq, at, json } of events) {
      this.statements.insertEvent.run(jobId, seq, at, json);
      highest = Math.max(highest, seq);
    }
    this.statements.raiseLastSeq.run(highest, jobId);
    return highest;
  }

  job(id: number): JobState | undefined {
    const row = this.statements.selectJob.get(id);
    return row && { status: row.status, lastSeq: row.last_seq };
  }

  events(jobId: number, afterSeq: number, limit: number): StoredEvent[] {
    return this.statements.selectEvents.all(jobId, afterSeq, limit);
  }

  close(): void {
    if (this.inTransaction) this.commit();
    this.db.close();
  }

  /** Opens this turn's transaction; it commits once the turn's I/O callbacks have run. */
  private begin(): void {
    if (this.inTransaction) return;
    this.inTransaction = true;
    this.statements.begin.run();
    setImmediate(this.commit);
  }

  private readonly commit = (): void => {
    if (!this.inTransaction) return;
    this.statements.commit.run();
    this.inTransaction = false;
    const callbacks = this.committed;
    this.committed = [];
    for (const callback of callbacks) callback();
  };
}
