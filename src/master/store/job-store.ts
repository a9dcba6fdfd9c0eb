import type { Attachment, JobProfile, JobResult, JobStatus, PipelineStep, QuestionState, SequencedJobEvent } from '../../protocol/index.js';
import type { JobLog } from './job-log.js';
import type { Commit } from './unit-of-work.js';

/** Where a job may run: a named node, nodes with all of some tags, or (neither) any node. */
export interface JobTarget {
  node?: string;
  tags: string[];
}

/** Who asked for the job, for replies and audit. */
export interface JobOrigin {
  kind: 'api' | 'dashboard' | 'cli' | 'slack' | 'telegram';
  [detail: string]: unknown;
}

/**
 * A job's place in a `mode: multi` pipeline, with what its next step is made from: the request as
 * asked (each step's prompt is its role's prompt, this, and the previous step's answer) and the
 * request's profile (a role's model and effort override it for that step only).
 */
export interface JobPipeline extends PipelineStep {
  request: string;
  profile: JobProfile;
}

export interface NewJob {
  prompt: string;
  target: JobTarget;
  repo?: string;
  ref?: string;
  profile: JobProfile;
  origin: JobOrigin;
  continueFrom?: number;
  maxAttempts: number;
  timeoutSec: number;
  /** Seconds the job may wait in the queue before it fails for never having started; unset: it waits. */
  queueTimeoutSec?: number;
  /** The named profile that filled the request's unset fields. */
  profileName?: string;
  /** A pipeline's first job has no id to give it yet: the store gives it its own (see `JobRecord.pipeline`). */
  pipeline?: Omit<JobPipeline, 'id'> & { id?: number };
  /** Files that came with the request (stored in `Store.attachments` under their ids). */
  attachments?: Attachment[];
}

/** A job as stored. Times are ISO strings. */
export interface JobRecord extends Omit<NewJob, 'pipeline'> {
  id: number;
  pipeline?: JobPipeline;
  status: JobStatus;
  node?: string;
  attempt: number;
  createdAt: string;
  assignedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  result?: JobResult;
  error?: string;
  /** Highest event sequence number stored. */
  lastSeq: number;
  /** Codex's questions of every attempt, oldest first, and what became of each (absent: none asked). */
  questions?: QuestionState[];
  /**
   * Why a queued job has not started ("no connected node has tags gpu"), or what a running one waits
   * for ("waiting for an answer to question a1q1 (…)"), as of when it was read: computed from the
   * connected nodes and the pending questions, never stored (see `JobService.show`).
   */
  waiting?: string;
}

/** An `Idempotency-Key` and a digest of the request it came with: the same key with another request is refused. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** The `Idempotency-Key` of a create and what it made. */
export interface IdempotencyRecord {
  jobId: number;
  /** A digest of the request the key came with: the same key with another request is refused. */
  fingerprint: string;
  createdAt: string;
}

/** A stored event as JSON text: `{"seq":…,"at":…,"event":…}`. */
export interface EncodedJobEvent {
  seq: number;
  json: string;
}

/** A stored `diff` event: one part of a job's unified diff. */
export interface DiffPart {
  seq: number;
  part: number;
  parts: number;
  text: string;
}

/** Fields a state change may set; `null` clears one. */
export type JobChanges = Partial<{
  status: JobStatus;
  node: string | null;
  attempt: number;
  assignedAt: string | null;
  startedAt: string | null;
  finishedAt: string;
  result: JobResult;
  error: string | null;
  questions: QuestionState[];
}>;

export interface JobFilter {
  status?: JobStatus;
  node?: string;
  /**
   * Only the jobs after this one in the list's order (pagination: the last id of the page before);
   * when that job is no longer stored, the page starts at the stored job with the next smaller id.
   */
  beforeId?: number;
  limit: number;
}

/**
 * A record with `changes` applied, as the store now holds it (`null` clears a field).
 * `Object.assign`, not a spread: on Node 20 a spread that adds properties builds a new hidden
 * class every time, 5–10× slower (bench:jobs spent microseconds per job on a few of them).
 */
export function withChanges(job: JobRecord, changes: JobChanges): JobRecord {
  const next: Record<string, unknown> = Object.assign<Record<string, unknown>, JobRecord, JobChanges>({}, job, changes);
  for (const key of Object.keys(changes) as Array<keyof JobChanges>) if (changes[key] === null) delete next[key];
  return next as unknown as JobRecord;
}

/**
 * Jobs and their event logs. Reads are asynchronous (an engine with a server answers later);
 * writes that return nothing join the current unit of work at once (see `Store`), and those that
 * return what the store made resolve once it is made, before it is durable. Nothing may tell
 * anyone about a write before `whenCommitted()` (or the store's `commit()`) has settled it.
 */
export interface JobStore {
  /**
   * Stores a new queued job and returns it as stored (its id given by the store), with the
   * `Idempotency-Key` it was made for, if any, in the same unit of work: a create that is rolled
   * back forgets its key too, and no key is ever stored without its job.
   */
  create(job: NewJob, at: string, idempotency?: IdempotencyKey): Promise<JobRecord>;
  get(id: number): Promise<JobRecord | undefined>;
  /**
   * Newest first by creation: `createdAt`, then id (masters sharing a database number their jobs
   * from blocks of their own, so across them a higher id is not a newer job).
   */
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** Jobs in any of these states, oldest first (FIFO) by `createdAt`, then id. */
  withStatus(statuses: readonly JobStatus[]): Promise<JobRecord[]>;
  /** Applies `changes`; `withChanges` gives the record as it now is. */
  update(id: number, changes: JobChanges): void;
  /** Stores events not seen before (by seq); a record's `lastSeq` is the highest stored. */
  appendEvents(jobId: number, events: readonly SequencedJobEvent[]): void;
  /** Events after `afterSeq`, in order. */
  events(jobId: number, afterSeq: number, limit: number): Promise<SequencedJobEvent[]>;
  /** The same events as JSON text (what `JSON.stringify` gives of each), for streams that only pass them on. */
  eventsJson(jobId: number, afterSeq: number, limit: number): Promise<EncodedJobEvent[]>;
  /** The job's `diff` events, in seq order (every attempt's: the reader picks the last whole run). */
  diffParts(jobId: number): Promise<DiffPart[]>;
  /** A long log a page at a time (newest first, folded), and searched. */
  readonly logs: JobLog;
  /** The job made with this `Idempotency-Key`, if the key is still stored. */
  idempotencyKey(key: string): Promise<IdempotencyRecord | undefined>;
  /** Remembers the job a key made (replacing an expired record of the same key). */
  saveIdempotencyKey(key: string, record: IdempotencyRecord): void;
  /** Forgets keys made before `before` (an ISO time). */
  pruneIdempotencyKeys(before: string): void;
  /** Ends the current unit of work now (see `Store.commit`). */
  commit(): Commit;
  /** Resolves once every write so far is durable, with the unit of work's other writes. */
  whenCommitted(): Promise<void>;
  /** Calls `listener` at once when a commit fails: the writes since the last commit are gone. */
  onCommitFailed(listener: (error: Error) => void): () => void;
  /** How many jobs are stored in each state (the metrics' `csc_jobs`); cheap while most jobs succeed. */
  countByStatus(): Promise<Record<JobStatus, number>>;
}
