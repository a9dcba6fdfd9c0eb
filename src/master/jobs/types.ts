import type { JobProfile, SequencedJobEvent } from '../../protocol/index.js';
import type { JobOrigin, JobRecord } from '../store/index.js';

export interface JobServiceOptions {
  maxAttempts: number;
  defaultTimeoutSec: number;
  /** How long a vanished node has to come back before its jobs are re-queued. */
  requeueGraceMs: number;
  /** How long a node has to confirm a cancel before the master records it anyway. */
  cancelWaitMs: number;
  /** Default queue timeout of a job (`MASTER_QUEUE_TIMEOUT`): unset, a queued job waits as long as it takes. */
  queueTimeoutSec?: number | undefined;
  /** `MASTER_APPROVAL_TIMEOUT`: seconds a question of Codex waits for an answer unless the job's profile says otherwise (default 600). */
  approvalTimeoutSec?: number | undefined;
}

export interface JobRequest {
  prompt: string;
  node?: string;
  tags?: string[];
  repo?: string;
  ref?: string;
  profile?: JobProfile;
  continueFrom?: number;
  timeoutSec?: number;
  /** Fail the job if it is still queued after this many seconds (default `JobServiceOptions.queueTimeoutSec`). */
  queueTimeoutSec?: number;
  origin: JobOrigin;
}

/** A change to a job: its new state, and the events stored with it (possibly none). */
export interface JobUpdate {
  job: JobRecord;
  events: SequencedJobEvent[];
}
