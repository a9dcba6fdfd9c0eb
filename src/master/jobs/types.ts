import type { Attachment, JobProfile, JobSpec, SequencedJobEvent } from '../../protocol/index.js';
import type { JobOrigin, JobRecord, NewJob } from '../store/index.js';

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
  /** Called right after a job's `job_assign` is handed to its node (its attachments follow it). */
  onAssigned?: ((node: string, spec: JobSpec) => void) | undefined;
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
  /** The named profile that filled what the request left unset (already merged into the fields). */
  profileName?: string;
  /** Its place in a `mode: multi` pipeline (a first step's id is its own, given by the store). */
  pipeline?: NewJob['pipeline'];
  attachments?: Attachment[];
  origin: JobOrigin;
}

/** A change to a job: its new state, and the events stored with it (possibly none). */
export interface JobUpdate {
  job: JobRecord;
  events: SequencedJobEvent[];
}
