import type Database from 'better-sqlite3';
import type { JobStatus, SequencedJobEvent } from '../../protocol/index.js';
import { JobStatusSchema } from '../../protocol/index.js';
import type { DiffPart, EncodedJobEvent, IdempotencyKey, IdempotencyRecord, JobChanges, JobFilter, JobRecord, JobStore, NewJob } from './job-store.js';
import type { JobLog } from './job-log.js';
import { createdRecord, jobValues, toRecord, type JobRow } from './job-row.js';
import { SqliteJobLog } from './sqlite-job-log.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

const COLUMNS: Record<keyof JobChanges, string> = {
  status: 'status',
  node: 'node',
  attempt: 'attempt',
  assignedAt: 'assigned_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  result: 'result',
  error: 'error',
  questions: 'questions',
};

interface IdempotencyStatements {
  select: Database.Statement<[string], IdempotencyRecord>;
  upsert: Database.Statement<[string, number, string, string]>;
  prune: Database.Statement<[string]>;
}

/**
 * A job's columns, with `last_seq` read from its events: the events table is the truth, so ingest
 * writes no job row per frame (0002's `jobs.last_seq` column is no longer written). The max over
 * the (job_id, seq) primary key is one index seek.
 */
const JOB_COLUMNS = `jobs.*, (SELECT ifnull(max(seq), 0) FROM job_events WHERE job_id = jobs.id) AS last_seq`;

/** Rows per INSERT: one statement for a frame's events costs a third less than one per event. */
const EVENTS_PER_INSERT = 32;

/**
 * `JobStore` on the master's SQLite database. Statements are prepared once; writes join the
 * current turn's transaction, and callers learn what changed from what they asked for, not by
 * reading the row back. Every statement runs when it is called, reads too (`ranNow`): the
 * promises only carry what SQLite answered at once.
 */
export class SqliteJobStore implements JobStore {
  private readonly insertJob: Database.Statement;
  private readonly selectJob: Database.Statement<[number], JobRow>;
  private readonly selectEvents: Database.Statement<[number, number, number], { seq: number; at: string; event: string }>;
  private readonly selectEventsJson: Database.Statement<[number, number, number], EncodedJobEvent>;
  private readonly selectDiffParts: Database.Statement<[number], DiffPart>;
  private readonly idempotency: IdempotencyStatements;
  readonly logs: JobLog;

  /** Multi-row event inserts by row count. */
  private readonly insertStatements: Array<Database.Statement | undefined> = [];
  /** Statements built from a few shapes (filters, updated columns), prepared once per shape. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.insertJob = db.prepare(`
      INSERT INTO jobs (status, prompt, target_node, target_tags, repo, ref, profile, origin, continue_from, max_attempts, timeout_sec, queue_timeout_sec, created_at, profile_name, pipeline, attachments)
      VALUES ('queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectJob = db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`);
    this.selectEvents = db.prepare('SELECT seq, at, event FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    // Built from the stored text, so a follower catching up costs no decoding and re-encoding per event.
    this.selectEventsJson = db.prepare(`
      SELECT seq, '{"seq":' || seq || ',"at":' || json_quote(at) || ',"event":' || event || '}' AS json
      FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    // A range of the primary key, filtered by kind in SQL: about 7 ms for a job of 10 000 log
    // events and a 1 MiB diff, cheap enough that no index on the kind has to slow every insert.
    this.selectDiffParts = db.prepare(`
      SELECT seq, event ->> '$.part' AS part, event ->> '$.parts' AS parts, event ->> '$.text' AS text
      FROM job_events WHERE job_id = ? AND event ->> '$.kind' = 'diff' ORDER BY seq`);
    this.logs = new SqliteJobLog(db);
    this.idempotency = {
      select: db.prepare('SELECT job_id AS jobId, fingerprint, created_at AS createdAt FROM job_idempotency_keys WHERE key = ?'),
      upsert: db.prepare('INSERT OR REPLACE INTO job_idempotency_keys (key, job_id, fingerprint, created_at) VALUES (?, ?, ?, ?)'),
      prune: db.prepare('DELETE FROM job_idempotency_keys WHERE created_at < ?'),
    };
  }

  create(job: NewJob, at: string, idempotency?: IdempotencyKey): Promise<JobRecord> {
    return ranNow(() => this.insert(job, at, idempotency));
  }

  get(id: number): Promise<JobRecord | undefined> {
    return ranNow(() => {
      const row = this.selectJob.get(id);
      return row && toRecord(row);
    });
  }

  list(filter: JobFilter): Promise<JobRecord[]> {
    return ranNow(() => this.select(filter));
  }

  withStatus(statuses: readonly JobStatus[]): Promise<JobRecord[]> {
    // Oldest first by id: the order of creation (see `select`).
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY id`;
    return ranNow(() => (this.prepared(sql, () => sql).all(...statuses) as JobRow[]).map(toRecord));
  }

  /** The job and its key (if any) in the turn's transaction. */
  private insert(job: NewJob, at: string, idempotency: IdempotencyKey | undefined): JobRecord {
    this.tx.open();
    // Positional: binding by name costs a lookup per parameter on every create.
    const { lastInsertRowid } = this.insertJob.run(...jobValues(job, at));
    const id = Number(lastInsertRowid);
    if (idempotency !== undefined) this.idempotency.upsert.run(idempotency.key, id, idempotency.fingerprint, at);
    return createdRecord(id, job, at);
  }

  /**
   * Newest first, as `JobStore.list` orders them, by id alone: one master writes this database,
   * and SQLite gives each job the next id as it is made, so id order is the order of creation
   * (`created_at` from the same clock agrees, but for a clock set back, where the ids are the
   * truer order), and `id < beforeId` is "after that job", stored or not. Each filter is then one
   * range of the primary key or of 0002's (status, id) and (node, id) indexes.
   */
  private select(filter: JobFilter): JobRecord[] {
    const conditions: Array<[string, string | number | undefined]> = [
      ['status = ?', filter.status],
      ['node = ?', filter.node],
      ['id < ?', filter.beforeId],
    ];
    const used = conditions.filter(([, value]) => value !== undefined);
    const where = used.map(([clause]) => clause);
    const params = used.map(([, value]) => value as string | number);
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.prepared(sql, () => sql).all(...params, filter.limit) as JobRow[]).map(toRecord);
  }

  update(id: number, changes: JobChanges): void {
    const keys = Object.keys(changes) as Array<keyof JobChanges>;
    if (keys.length === 0) return;
    const values = keys.map((key) => {
      const value = changes[key];
      return typeof value === 'object' && value !== null ? JSON.stringify(value) : (value ?? null);
    });
    this.tx.open();
    // Keyed by the column names: building the SQL on every update was a measurable part of a job's cost.
    this.prepared(keys.join(), () => `UPDATE jobs SET ${keys.map((key) => `${COLUMNS[key]} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
  }

  appendEvents(jobId: number, events: readonly SequencedJobEvent[]): void {
    this.tx.open();
    // No savepoint: a batch stored in part is not acknowledged, and its resend skips what is stored.
    for (let start = 0; start < events.length; start += EVENTS_PER_INSERT) {
      const chunk = events.slice(start, start + EVENTS_PER_INSERT);
      const values: Array<number | string> = [];
      for (const { seq, at, event } of chunk) values.push(jobId, seq, at, JSON.stringify(event));
      this.insertEvents(chunk.length).run(...values);
    }
  }

  idempotencyKey(key: string): Promise<IdempotencyRecord | undefined> {
    return ranNow(() => this.idempotency.select.get(key));
  }

  saveIdempotencyKey(key: string, record: IdempotencyRecord): void {
    this.tx.open();
    this.idempotency.upsert.run(key, record.jobId, record.fingerprint, record.createdAt);
  }

  pruneIdempotencyKeys(before: string): void {
    this.tx.open();
    this.idempotency.prune.run(before);
  }

  /** Commits on the spot: `undefined` (the `Commit` of a unit of work already durable), or a thrown `StoreCommitError`. */
  commit(): undefined {
    this.tx.commit();
    return undefined;
  }

  whenCommitted(): Promise<void> {
    return this.tx.whenCommitted();
  }

  onCommitFailed(listener: (error: Error) => void): () => void {
    return this.tx.onFailure(listener);
  }

  events(jobId: number, afterSeq: number, limit: number): Promise<SequencedJobEvent[]> {
    return ranNow(() => this.selectEvents.all(jobId, afterSeq, limit).map((row) => ({ seq: row.seq, at: row.at, event: JSON.parse(row.event) as SequencedJobEvent['event'] })));
  }

  eventsJson(jobId: number, afterSeq: number, limit: number): Promise<EncodedJobEvent[]> {
    return ranNow(() => this.selectEventsJson.all(jobId, afterSeq, limit));
  }

  diffParts(jobId: number): Promise<DiffPart[]> {
    return ranNow(() => this.selectDiffParts.all(jobId));
  }

  /**
   * A count over a range of the (status, id) index steps through every entry (about 100 ms for a
   * million); a count of the whole table only sums its pages' cell counts (under a millisecond).
   * So each state but `succeeded` is counted in the index and `succeeded`, what most jobs end as,
   * is the rest of the table.
   */
  countByStatus(): Promise<Record<JobStatus, number>> {
    return ranNow(() => this.counts());
  }

  private counts(): Record<JobStatus, number> {
    const count = (key: string, sql: string, ...params: string[]) => (this.prepared(key, () => sql).get(...params) as { n: number }).n;
    const counts = { succeeded: count('count:all', 'SELECT count(*) AS n FROM jobs') } as Record<JobStatus, number>;
    for (const status of JobStatusSchema.options) {
      if (status === 'succeeded') continue;
      counts[status] = count('count:status', 'SELECT count(*) AS n FROM jobs WHERE status = ?', status);
      counts.succeeded -= counts[status];
    }
    return counts;
  }

  private insertEvents(rows: number): Database.Statement {
    let statement = this.insertStatements[rows];
    if (!statement) {
      const tuples = Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ');
      statement = this.db.prepare(`INSERT OR IGNORE INTO job_events (job_id, seq, at, event) VALUES ${tuples}`);
      this.insertStatements[rows] = statement;
    }
    return statement;
  }

  /** The statement for `key`, prepared from `sql()` the first time. */
  private prepared(key: string, sql: () => string): Database.Statement {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql());
      this.statements.set(key, statement);
    }
    return statement;
  }
}
