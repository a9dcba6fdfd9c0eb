import type { Attachment, JobResult, JobStatus, QuestionState } from '../../protocol/index.js';
import type { JobPipeline, JobRecord, NewJob } from './job-store.js';

/** A row of `jobs` as both engines read it: the table's columns and the job's last seq, read from its events. */
export interface JobRow {
  id: number;
  status: string;
  prompt: string;
  target_node: string | null;
  target_tags: string;
  repo: string | null;
  ref: string | null;
  profile: string;
  origin: string;
  continue_from: number | null;
  node: string | null;
  attempt: number;
  max_attempts: number;
  timeout_sec: number;
  queue_timeout_sec: number | null;
  created_at: string;
  assigned_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  result: string | null;
  error: string | null;
  questions: string | null;
  profile_name: string | null;
  pipeline: string | null;
  attachments: string | null;
  last_seq: number;
}

/** Drops undefined fields, so records compare equal to what was stored and JSON stays small. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** The record a row holds: absent fields stay absent (`compact`), as `create` returned them. */
export function toRecord(row: JobRow): JobRecord {
  return compact({
    id: row.id,
    status: row.status as JobStatus,
    prompt: row.prompt,
    target: compact({ node: row.target_node ?? undefined, tags: JSON.parse(row.target_tags) as string[] }),
    repo: row.repo,
    ref: row.ref,
    profile: JSON.parse(row.profile) as JobRecord['profile'],
    origin: JSON.parse(row.origin) as JobRecord['origin'],
    continueFrom: row.continue_from,
    node: row.node,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutSec: row.timeout_sec,
    queueTimeoutSec: row.queue_timeout_sec,
    createdAt: row.created_at,
    assignedAt: row.assigned_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    result: row.result === null ? undefined : (JSON.parse(row.result) as JobResult),
    error: row.error,
    lastSeq: row.last_seq,
    questions: row.questions === null ? undefined : (JSON.parse(row.questions) as QuestionState[]),
    profileName: row.profile_name,
    pipeline: row.pipeline === null ? undefined : { id: row.id, ...(JSON.parse(row.pipeline) as Partial<JobPipeline>) },
    attachments: row.attachments === null ? undefined : (JSON.parse(row.attachments) as Attachment[]),
  } as JobRecord);
}

/**
 * The record `create` gives for a new job, as both engines make it (not a spread: see `withChanges`).
 * A pipeline's first job is its pipeline's id: stored without it, filled in on reading.
 */
export function createdRecord(id: number, job: NewJob, at: string): JobRecord {
  const record: JobRecord = Object.assign({ id, status: 'queued' as const, attempt: 0, createdAt: at, lastSeq: 0 }, job as Omit<NewJob, 'pipeline'>);
  if (job.pipeline !== undefined) record.pipeline = { id, ...job.pipeline };
  return record;
}

/**
 * A new job's columns after its id, in the order of every insert of a job (SQLite's, and
 * PostgreSQL's `INSERT_JOBS` and follow-up insert), bound by position.
 */
export function jobValues(job: NewJob, at: string): unknown[] {
  return [
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
  ];
}
