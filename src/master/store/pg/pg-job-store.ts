import type { JobStatus, SequencedJobEvent } from '../../../protocol/index.js';
import { JobStatusSchema } from '../../../protocol/index.js';
import type { DiffPart, EncodedJobEvent, IdempotencyKey, IdempotencyRecord, JobChanges, JobFilter, JobRecord, JobStore, NewJob } from '../job-store.js';
import type { JobLog } from '../job-log.js';
import { createdRecord, jobValues, toRecord, type JobRow } from '../job-row.js';
import { StoreConstraintError } from '../store-errors.js';
import type { Commit } from '../unit-of-work.js';
import { PgJobLog } from './pg-job-log.js';
import { JobIds } from './pg-job-ids.js';
import { EventRows, JobChangeRows, JobRows } from './pg-job-rows.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

/** A job's columns with its last seq, read from its events (one seek of their primary key), as SQLite's store reads it. */
const JOB_COLUMNS = 'jobs.*, (SELECT coalesce(max(seq), 0) FROM job_events WHERE job_id = jobs.id) AS last_seq';

/**
 * A follow-up's row, with its reserved id: its `continue_from` must name a stored job, checked in
 * the statement (no row comes back otherwise) so that a missing one fails this create alone, not
 * the unit of work.
 */
const INSERT_FOLLOW_UP = `
  INSERT INTO jobs (id, status, prompt, target_node, target_tags, repo, ref, profile, origin, continue_from, max_attempts, timeout_sec, queue_timeout_sec, created_at, profile_name, pipeline, attachments)
  SELECT $1::bigint, 'queued', $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::bigint, $10::bigint, $11::bigint, $12::float8, $13::text, $14::text, $15::text, $16::text
  WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $9::bigint)
  RETURNING id`;

/** A key beside its job, in the same unit of work; a job that is not stored (a follow-up refused) gets none. */
const UPSERT_KEY = `
  INSERT INTO job_idempotency_keys (key, job_id, fingerprint, created_at)
  SELECT $1::text, $2::bigint, $3::text, $4::text WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $2::bigint)
  ON CONFLICT (key) DO UPDATE SET job_id = excluded.job_id, fingerprint = excluded.fingerprint, created_at = excluded.created_at`;

/**
 * Where a page after job $n starts: that job's place, or, when it is no longer stored (retention
 * took it), the place of the stored job with the next smaller id, which then opens the page (the
 * list's `<=`, with only $n itself left out). For one master, whose ids follow creation, that is
 * exactly what `id < $n` gives on SQLite.
 */
const CURSOR = (n: number) => `SELECT created_at, id FROM jobs WHERE id <= $${n} ORDER BY id DESC LIMIT 1`;

interface EventRow {
  seq: number;
  at: string;
  event: string;
}

/** The event's own JSON as `{"seq":…,"at":…,"event":…}`: the stored text is spliced in as it is, never decoded. */
function encoded(row: EventRow): EncodedJobEvent {
  return { seq: row.seq, json: `{"seq":${row.seq},"at":${JSON.stringify(row.at)},"event":${row.event}}` };
}

/**
 * `JobStore` on PostgreSQL: every statement a prepared one of the writer's connection, writes
 * joined to the turn's transaction (`PgUnitOfWork`), records built as SQLite's store builds them
 * (its `toRecord`), so both engines give back the same records.
 */
export class PgJobStore implements JobStore {
  readonly logs: JobLog;
  private readonly ids: JobIds;

  constructor(private readonly uow: PgUnitOfWork) {
    this.logs = new PgJobLog(uow);
    this.ids = new JobIds(uow);
  }

  /**
   * A job without a predecessor gets a reserved id (`JobIds`) and joins the turn's unit of work
   * at once, its insert gathered with the turn's others: it commits with the assignment that the
   * create dispatches in the same turn. Measured in bench:jobs (4 rounds, same-run ratio to
   * SQLite): waiting a round trip instead gave 0.59 in 2a and 0.45 in 2b, against 0.72 and 0.74.
   * A follow-up waits for its insert, which checks its predecessor is stored; it is rare.
   */
  async create(job: NewJob, at: string, idempotency?: IdempotencyKey): Promise<JobRecord> {
    // Synchronously up to the insert, which so joins the caller's turn.
    const id = job.continueFrom === undefined ? this.ids.take() : undefined;
    if (id === undefined) return this.createLater(job, at, idempotency);
    return this.insert(id, job, at, idempotency);
  }

  private insert(id: number, job: NewJob, at: string, idempotency: IdempotencyKey | undefined): JobRecord {
    this.uow.gather(JobRows).add(id, job, at);
    if (idempotency !== undefined) this.saveKey(idempotency, id, at);
    return createdRecord(id, job, at);
  }

  /** A create that waits: for a refill of the reserved ids, and a follow-up for its insert. */
  private async createLater(job: NewJob, at: string, idempotency: IdempotencyKey | undefined): Promise<JobRecord> {
    const id = await this.ids.reserve();
    if (job.continueFrom === undefined) return this.insert(id, job, at, idempotency);
    const inserted = this.uow.run<{ id: number }>({ name: 'csc_job_insert_follow_up', text: INSERT_FOLLOW_UP, values: [id, ...jobValues(job, at)] });
    // Right behind the insert, in its unit of work (the same turn): it stores nothing when the insert stored nothing.
    if (idempotency !== undefined) this.saveKey(idempotency, id, at);
    if ((await inserted).rows.length === 0) throw new StoreConstraintError(`no job ${job.continueFrom} to continue from`);
    return createdRecord(id, job, at);
  }

  private saveKey({ key, fingerprint }: IdempotencyKey, jobId: number, at: string): void {
    this.saveIdempotencyKey(key, { jobId, fingerprint, createdAt: at });
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const { rows } = await this.uow.read<JobRow>({ name: 'csc_job_get', text: `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, values: [id] });
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Newest first by (created_at, id): ids of several masters interleave (see `JobIds`), creation
   * times do not. Each filter is one range of an index (0004's `jobs_by_created`, `jobs_by_status`,
   * `jobs_by_node`), read backwards from the cursor to the limit.
   */
  async list(filter: JobFilter): Promise<JobRecord[]> {
    const conditions: Array<[key: string, clause: (n: number) => string, value: string | number | undefined]> = [
      ['status', (n) => `status = $${n}`, filter.status],
      ['node', (n) => `node = $${n}`, filter.node],
      ['before', (n) => `(created_at, id) <= ((SELECT created_at FROM cursor), (SELECT id FROM cursor)) AND id <> $${n}`, filter.beforeId],
    ];
    const used = conditions.filter(([, , value]) => value !== undefined);
    const where = used.map(([, clause], i) => clause(i + 1));
    const cursor = filter.beforeId === undefined ? '' : `WITH cursor AS (${CURSOR(used.length)}) `;
    const text = `${cursor}SELECT ${JOB_COLUMNS} FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${used.length + 1}`;
    // One prepared statement per set of conditions used.
    const name = `csc_job_list_${used.map(([key]) => key).join('_')}`;
    const { rows } = await this.uow.read<JobRow>({ name, text, values: [...used.map(([, , value]) => value), filter.limit] });
    return rows.map(toRecord);
  }

  async withStatus(statuses: readonly JobStatus[]): Promise<JobRecord[]> {
    // Oldest first by the time of creation: ids of several masters interleave (see `JobIds`).
    const text = `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = ANY($1::text[]) ORDER BY created_at, id`;
    const { rows } = await this.uow.read<JobRow>({ name: 'csc_job_with_status', text, values: [statuses] });
    return rows.map(toRecord);
  }

  /**
   * Gathered with the turn's other changes into one statement: one UPDATE per change cost the
   * server 250 µs per job in bench:jobs 2a (223 in 2b) against 160 (102). A second change of a job
   * in one turn starts the next statement, so that they apply in order.
   */
  update(id: number, changes: JobChanges): void {
    let rows = this.uow.gather(JobChangeRows);
    if (rows.holds(id)) rows = this.uow.gather(JobChangeRows, true);
    rows.add(id, changes);
  }

  appendEvents(jobId: number, events: readonly SequencedJobEvent[]): void {
    let rows: EventRows | undefined;
    for (const event of events) {
      if (rows === undefined || rows.full) rows = this.uow.gather(EventRows);
      rows.add(jobId, event);
    }
  }

  async events(jobId: number, afterSeq: number, limit: number): Promise<SequencedJobEvent[]> {
    const rows = await this.eventRows(jobId, afterSeq, limit);
    return rows.map((row) => ({ seq: row.seq, at: row.at, event: JSON.parse(row.event) as SequencedJobEvent['event'] }));
  }

  async eventsJson(jobId: number, afterSeq: number, limit: number): Promise<EncodedJobEvent[]> {
    return (await this.eventRows(jobId, afterSeq, limit)).map(encoded);
  }

  /** Decoded here rather than in SQL: PostgreSQL cannot give a string with U+0000 (`\u0000` in the JSON) as text. */
  async diffParts(jobId: number): Promise<DiffPart[]> {
    const { rows } = await this.uow.read<{ seq: number; event: string }>({
      name: 'csc_job_diff_parts',
      text: `SELECT seq, event FROM job_events WHERE job_id = $1 AND kind = 'diff' ORDER BY seq`,
      values: [jobId],
    });
    return rows.map((row) => {
      const { part, parts, text } = JSON.parse(row.event) as Omit<DiffPart, 'seq'>;
      return { seq: row.seq, part, parts, text };
    });
  }

  async idempotencyKey(key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.uow.read<IdempotencyRecord>({
      name: 'csc_key_get',
      text: 'SELECT job_id AS "jobId", fingerprint, created_at AS "createdAt" FROM job_idempotency_keys WHERE key = $1',
      values: [key],
    });
    return rows[0];
  }

  saveIdempotencyKey(key: string, record: IdempotencyRecord): void {
    this.uow.write({ name: 'csc_key_upsert', text: UPSERT_KEY, values: [key, record.jobId, record.fingerprint, record.createdAt] });
  }

  pruneIdempotencyKeys(before: string): void {
    this.uow.write({ name: 'csc_key_prune', text: 'DELETE FROM job_idempotency_keys WHERE created_at < $1', values: [before] });
  }

  commit(): Commit {
    return this.uow.commit();
  }

  whenCommitted(): Promise<void> {
    return this.uow.whenCommitted();
  }

  onCommitFailed(listener: (error: Error) => void): () => void {
    return this.uow.onFailure(listener);
  }

  /** One pass over the (status, id) index; PostgreSQL has no cheaper count of a whole table. */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const { rows } = await this.uow.read<{ status: string; n: number }>({
      name: 'csc_job_count_by_status',
      text: 'SELECT status, count(*) AS n FROM jobs GROUP BY status',
    });
    const found = new Map(rows.map((row) => [row.status, row.n]));
    // `succeeded` first, then the rest in their order: the keys as SQLite's store gives them.
    const counts = { succeeded: found.get('succeeded') ?? 0 } as Record<JobStatus, number>;
    for (const status of JobStatusSchema.options) if (status !== 'succeeded') counts[status] = found.get(status) ?? 0;
    return counts;
  }

  private async eventRows(jobId: number, afterSeq: number, limit: number): Promise<EventRow[]> {
    const { rows } = await this.uow.read<EventRow>({
      name: 'csc_job_events',
      text: 'SELECT seq, at, event FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      values: [jobId, afterSeq, limit],
    });
    return rows;
  }
}
