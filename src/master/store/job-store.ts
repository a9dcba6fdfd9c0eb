import type { JobProfile, JobResult, JobStatus, SequencedJobEvent } from '../../protocol/index.js';

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
}

/** A job as stored. Times are ISO strings. */
export interface JobRecord extends NewJob {
  id: number;
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
}>;

export interface JobFilter {
  status?: JobStatus;
  node?: string;
  /** Only jobs with a smaller id (pagination, newest first). */
  beforeId?: number;
  limit: number;
}

/** Jobs and their event logs. */
export interface JobStore {
  create(job: NewJob, at: string): JobRecord;
  get(id: number): JobRecord | undefined;
  /** Newest first. */
  list(filter: JobFilter): JobRecord[];
  /** Jobs in any of these states, oldest first (FIFO). */
  withStatus(statuses: readonly JobStatus[]): JobRecord[];
  update(id: number, changes: JobChanges): JobRecord;
  /** Stores events not seen before (by seq) and returns the job's highest stored seq. */
  appendEvents(jobId: number, events: readonly SequencedJobEvent[]): number;
  /** Events after `afterSeq`, in order. */
  events(jobId: number, afterSeq: number, limit: number): SequencedJobEvent[];
}
