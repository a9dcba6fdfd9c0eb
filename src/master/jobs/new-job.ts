import type { JobSpec } from '../../protocol/index.js';
import type { JobRecord, NewJob } from '../store/index.js';
import type { JobRequest, JobServiceOptions } from './types.js';

/**
 * The job to store for a request, with the service's defaults. `threadFrom` is the job it
 * continues: a Codex thread lives in one node's CODEX_HOME, so a follow-up goes back to that node.
 */
export function newJobFor(request: JobRequest, options: JobServiceOptions, threadFrom: JobRecord | undefined): NewJob {
  const node = request.node ?? threadFrom?.node;
  // Optional fields are set one by one, here and in `assign`: spreading them in took V8's slow path.
  const job: NewJob = {
    prompt: request.prompt,
    target: node === undefined ? { tags: request.tags ?? [] } : { node, tags: request.tags ?? [] },
    profile: request.profile ?? {},
    origin: request.origin,
    maxAttempts: options.maxAttempts,
    timeoutSec: request.timeoutSec ?? options.defaultTimeoutSec,
  };
  // A follow-up that names no repository works in its first job's, from where that one started,
  // so that it can continue that job's branch (a chat thread's next message names none).
  const inherits = request.repo === undefined && threadFrom?.repo !== undefined;
  const repo = inherits ? threadFrom?.repo : request.repo;
  const ref = request.ref ?? (inherits ? threadFrom?.ref : undefined);
  if (repo !== undefined) job.repo = repo;
  if (ref !== undefined) job.ref = ref;
  if (request.continueFrom !== undefined) job.continueFrom = request.continueFrom;
  const queueTimeoutSec = request.queueTimeoutSec ?? options.queueTimeoutSec;
  if (queueTimeoutSec !== undefined) job.queueTimeoutSec = queueTimeoutSec;
  if (request.profileName !== undefined) job.profileName = request.profileName;
  if (request.pipeline !== undefined) job.pipeline = request.pipeline;
  if (request.attachments !== undefined && request.attachments.length > 0) job.attachments = request.attachments;
  return job;
}

/**
 * What a node is sent to run the job's next attempt. `from` is the job it continues: its Codex
 * thread, and its branch when both work in the same repository (so a published pull request
 * gets new commits rather than a new pull request).
 */
export function nextAttempt(job: JobRecord, from: JobRecord | undefined): JobSpec {
  const spec: JobSpec = { id: job.id, prompt: job.prompt, profile: job.profile, attempt: job.attempt + 1, nextSeq: job.lastSeq + 1 };
  if (job.repo !== undefined) spec.repo = job.repo;
  if (job.ref !== undefined) spec.ref = job.ref;
  if (job.attachments !== undefined) spec.attachments = job.attachments;
  const threadId = from?.result?.threadId;
  if (threadId !== undefined) spec.threadId = threadId;
  const branch = from?.result?.change?.branch;
  if (branch !== undefined && job.repo !== undefined && job.repo === from?.repo) spec.branch = branch;
  return spec;
}
