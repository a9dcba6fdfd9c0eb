import type { JobStatus, SequencedJobEvent } from '../../../protocol/index.js';
import { JobStatusSchema } from '../../../protocol/index.js';
import type { DiffPart, EncodedJobEvent, IdempotencyRecord, JobChanges, JobFilter, JobRecord, JobStore, NewJob } from '../job-store.js';
import type { JobLog } from '../job-log.js';
import { toRecord, type JobRow } from '../sqlite-job-row.js';
import type { Commit } from '../unit-of-work.js';
import { StoreConstraintError } from './pg-client.js';
import { PgJobLog } from './pg-job-log.js';
import type { Gathering, PgStatement, PgUnitOfWork } from './pg-unit-of-work.js';

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

const KEY_PLACES = Object.fromEntries(Object.keys(COLUMNS).map((key, i) => [key, i])) as Record<keyof JobChanges, number>;

/** A job's columns with its last seq, read from its events (one seek of their primary key), as SQLite's store reads it. */
const JOB_COLUMNS = 'jobs.*, (SELECT coalesce(max(seq), 0) FROM job_events WHERE job_id = jobs.id) AS last_seq';

/**
 * A job's row; a follow-up's `continue_from` must name a stored job, checked in the statement
 * (no row comes back otherwise) so that a missing one fails this create alone, not the unit of work.
 */
const INSERT_JOB = `
  INSERT INTO jobs (status, prompt, target_node, target_tags, repo, ref, profile, origin, continue_from, max_attempts, timeout_sec, queue_timeout_sec, created_at, profile_name, pipeline, attachments)
  SELECT 'queued', $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint, $9::bigint, $10::bigint, $11::float8, $12::text, $13::text, $14::text, $15::text
  WHERE $8::bigint IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE id = $8::bigint)
  RETURNING id`;

/**
 * Events of any jobs in one statement (arrays, unnested); seqs stored already are skipped, and so
 * are the events of a job that is not stored (deleted by retention meanwhile), which SQLite would
 * refuse: either way the rest of the unit of work goes on. The jobs that are stored are looked up
 * once, by their ids ($6, each once), in the primary key: a join of the rows with `jobs` was
 * planned as a scan of the whole table (34 ms for 1000 rows beside 20 000 jobs).
 */
const INSERT_EVENTS = `
  INSERT INTO job_events (job_id, seq, at, kind, event)
  SELECT e.job_id, e.seq, e.at, e.kind, e.event
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS e (job_id, seq, at, kind, event)
  WHERE e.job_id = ANY (ARRAY(SELECT id FROM jobs WHERE id = ANY ($6::bigint[])))
  ON CONFLICT DO NOTHING`;

/** Rows per statement at most: a turn that stores a long log at once sends it in parts of this. */
const EVENTS_PER_INSERT = 5000;

/**
 * The events a turn appends, gathered over consecutive `appendEvents` calls (of any jobs) into one
 * statement: ingest stores frame after frame in a turn, and each statement costs the server far more
 * than its rows do (measured: 10 appends of one event cost 1.8× one append of ten).
 */
class EventRows implements Gathering {
  private readonly jobIds: number[] = [];
  private readonly seqs: number[] = [];
  private readonly ats: string[] = [];
  private readonly kinds: string[] = [];
  private readonly texts: string[] = [];

  get full(): boolean {
    return this.seqs.length >= EVENTS_PER_INSERT;
  }

  add(jobId: number, { seq, at, event }: SequencedJobEvent): void {
    this.jobIds.push(jobId);
    this.seqs.push(seq);
    this.ats.push(at);
    this.kinds.push(event.kind);
    this.texts.push(JSON.stringify(event));
  }

  statement(): PgStatement {
    const jobs = [...new Set(this.jobIds)];
    return { name: 'csc_events_insert', text: INSERT_EVENTS, values: [this.jobIds, this.seqs, this.ats, this.kinds, this.texts, jobs] };
  }
}

const UPSERT_KEY = `
  INSERT INTO job_idempotency_keys (key, job_id, fingerprint, created_at)
  SELECT $1::text, $2::bigint, $3::text, $4::text WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $2::bigint)
  ON CONFLICT (key) DO UPDATE SET job_id = excluded.job_id, fingerprint = excluded.fingerprint, created_at = excluded.created_at`;

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

  constructor(private readonly uow: PgUnitOfWork) {
    this.logs = new PgJobLog(uow);
  }

  async create(job: NewJob, at: string): Promise<JobRecord> {
    const { rows } = await this.uow.run<{ id: number }>({
      name: 'csc_job_insert',
      text: INSERT_JOB,
      values: [
        job.prompt,
        job.target.node ?? null,
        JSON.stringify(job.target.tags),
        job.repo ?? null,
        job.ref ?? null,
        JSON.stringify(job.profile),
        JSON.stringify(job.origin),
        job.continueFrom ?? null,
        job.maxAttempts,
        job.timeoutSec,
        job.queueTimeoutSec ?? null,
        at,
        job.profileName ?? null,
        job.pipeline === undefined ? null : JSON.stringify(job.pipeline),
        job.attachments === undefined ? null : JSON.stringify(job.attachments),
      ],
    });
    const id = rows[0]?.id;
    if (id === undefined) throw new StoreConstraintError(`no job ${job.continueFrom} to continue from`);
    // As SQLite's store makes it (not a spread: see `withChanges`); a pipeline's first job is its pipeline's id.
    const record: JobRecord = Object.assign({ id, status: 'queued' as const, attempt: 0, createdAt: at, lastSeq: 0 }, job as Omit<NewJob, 'pipeline'>);
    if (job.pipeline !== undefined) record.pipeline = { id, ...job.pipeline };
    return record;
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const { rows } = await this.uow.read<JobRow>({ name: 'csc_job_get', text: `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, values: [id] });
    return rows[0] && toRecord(rows[0]);
  }

  async list(filter: JobFilter): Promise<JobRecord[]> {
    const conditions: Array<[key: string, clause: string, value: string | number | undefined]> = [
      ['status', 'status =', filter.status],
      ['node', 'node =', filter.node],
      ['before', 'id <', filter.beforeId],
    ];
    const used = conditions.filter(([, , value]) => value !== undefined);
    const where = used.map(([, clause], i) => `${clause} $${i + 1}`);
    const text = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${used.length + 1}`;
    // One prepared statement per set of conditions used.
    const name = `csc_job_list_${used.map(([key]) => key).join('_')}`;
    const { rows } = await this.uow.read<JobRow>({ name, text, values: [...used.map(([, , value]) => value), filter.limit] });
    return rows.map(toRecord);
  }

  async withStatus(statuses: readonly JobStatus[]): Promise<JobRecord[]> {
    const text = `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = ANY($1::text[]) ORDER BY id`;
    const { rows } = await this.uow.read<JobRow>({ name: 'csc_job_with_status', text, values: [statuses] });
    return rows.map(toRecord);
  }

  update(id: number, changes: JobChanges): void {
    const keys = Object.keys(changes) as Array<keyof JobChanges>;
    if (keys.length === 0) return;
    const values = keys.map((key) => {
      const value = changes[key];
      return typeof value === 'object' && value !== null ? JSON.stringify(value) : (value ?? null);
    });
    const text = `UPDATE jobs SET ${keys.map((key, i) => `${COLUMNS[key]} = $${i + 1}`).join(', ')} WHERE id = $${keys.length + 1}`;
    // Named by the columns' places, in order: short, for PostgreSQL cuts a statement name at 63 bytes.
    this.uow.write({ name: `csc_job_update_${keys.map((key) => KEY_PLACES[key]).join('')}`, text, values: [...values, id] });
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
