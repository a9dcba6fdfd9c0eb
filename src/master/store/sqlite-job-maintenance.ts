import type Database from 'better-sqlite3';
import { FINAL_JOB_STATUSES } from '../../protocol/index.js';
import type { SeqKind } from './delta-folding.js';
import type { EndedCursor, EndedJob, JobMaintenance, LogState } from './job-maintenance.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

/** `'succeeded', 'failed', …`: the final states, spelled into the SQL once. */
const FINAL = [...FINAL_JOB_STATUSES].map((status) => `'${status}'`).join(', ');

interface Statements {
  ended: Database.Statement<[string, number, string, number], EndedJob>;
  lastSeq: Database.Statement<[number], { seq: number }>;
  kinds: Database.Statement<[number, number, number], SeqKind>;
  deleteAt: Database.Statement<[number, string]>;
  deleteBelow: Database.Statement<[number, number, number, number]>;
  setLogState: Database.Statement<[number, number]>;
  deleteKeys: Database.Statement<[string, number]>;
  continued: Database.Statement<[number], { one: number }>;
  unlink: Database.Statement<[number]>;
  deleteJobKeys: Database.Statement<[number]>;
  deleteJob: Database.Statement<[number, number]>;
}

/**
 * `JobMaintenance` on the master's SQLite database. Every statement is a range of an index (the
 * events' primary key, 0010's `jobs_by_finished`, `jobs_by_continue_from` and
 * `job_idempotency_keys_by_job`) with a limit, so no call scans more than it was asked for, however
 * large the store has grown.
 */
export class SqliteJobMaintenance implements JobMaintenance {
  private readonly sql: Statements;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.sql = {
      // The row value walks (finished_at, id) in the index's order from the cursor on.
      ended: db.prepare(`
        SELECT id, finished_at AS finishedAt, log_state AS logState FROM jobs
        WHERE finished_at IS NOT NULL AND (finished_at, id) > (?, ?) AND finished_at < ? AND status IN (${FINAL})
        ORDER BY finished_at, id LIMIT ?`),
      lastSeq: db.prepare('SELECT ifnull(max(seq), 0) AS seq FROM job_events WHERE job_id = ?'),
      kinds: db.prepare(`SELECT seq, event ->> '$.kind' AS kind FROM job_events WHERE job_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
      deleteAt: db.prepare('DELETE FROM job_events WHERE job_id = ? AND seq IN (SELECT value FROM json_each(?))'),
      deleteBelow: db.prepare('DELETE FROM job_events WHERE job_id = ? AND seq IN (SELECT seq FROM job_events WHERE job_id = ? AND seq < ? ORDER BY seq LIMIT ?)'),
      setLogState: db.prepare('UPDATE jobs SET log_state = ? WHERE id = ?'),
      deleteKeys: db.prepare('DELETE FROM job_idempotency_keys WHERE key IN (SELECT key FROM job_idempotency_keys WHERE created_at < ? LIMIT ?)'),
      continued: db.prepare(`SELECT 1 AS one FROM jobs WHERE continue_from = ? AND status NOT IN (${FINAL}) LIMIT 1`),
      unlink: db.prepare(`UPDATE jobs SET continue_from = NULL WHERE continue_from = ? AND status IN (${FINAL})`),
      deleteJobKeys: db.prepare('DELETE FROM job_idempotency_keys WHERE job_id = ?'),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE continue_from = ?)'),
    };
  }

  endedBefore(before: string, after: EndedCursor | undefined, limit: number): Promise<EndedJob[]> {
    return ranNow(() => this.sql.ended.all(after?.finishedAt ?? '', after?.id ?? 0, before, limit));
  }

  lastSeq(jobId: number): Promise<number> {
    return ranNow(() => this.sql.lastSeq.get(jobId)?.seq ?? 0);
  }

  eventKinds(jobId: number, belowSeq: number, limit: number): Promise<SeqKind[]> {
    return ranNow(() => this.sql.kinds.all(jobId, belowSeq, limit));
  }

  deleteEventsAt(jobId: number, seqs: readonly number[]): Promise<number> {
    return ranNow(() => {
      if (seqs.length === 0) return 0;
      this.tx.open();
      return this.sql.deleteAt.run(jobId, JSON.stringify(seqs)).changes;
    });
  }

  deleteEventsBelow(jobId: number, belowSeq: number, limit: number): Promise<number> {
    return ranNow(() => {
      this.tx.open();
      return this.sql.deleteBelow.run(jobId, jobId, belowSeq, limit).changes;
    });
  }

  setLogState(jobId: number, state: LogState): void {
    this.tx.open();
    this.sql.setLogState.run(state, jobId);
  }

  deleteKeysBefore(before: string, limit: number): Promise<number> {
    return ranNow(() => {
      this.tx.open();
      return this.sql.deleteKeys.run(before, limit).changes;
    });
  }

  continuedByUnfinished(jobId: number): Promise<boolean> {
    return ranNow(() => this.sql.continued.get(jobId) !== undefined);
  }

  deleteJob(jobId: number): Promise<boolean> {
    return ranNow(() => this.unlinkAndDelete(jobId));
  }

  /** Commits on the spot: `undefined` (the `Commit` of a unit of work already durable), or a thrown `StoreCommitError`. */
  commit(): undefined {
    this.tx.commit();
    return undefined;
  }

  private unlinkAndDelete(jobId: number): boolean {
    this.tx.open();
    this.sql.unlink.run(jobId);
    // Its keys went by age already (they are made with the job); one that did not must not block the delete.
    this.sql.deleteJobKeys.run(jobId);
    return this.sql.deleteJob.run(jobId, jobId).changes > 0;
  }
}
