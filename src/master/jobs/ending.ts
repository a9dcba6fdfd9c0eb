import type { JobEvent, JobResult, SequencedJobEvent } from '../../protocol/index.js';
import type { JobChanges, JobRecord } from '../store/index.js';

/** How a job can end: as its node reported it, or `lost` when no node could finish it. */
export type FinalStatus = JobResult['status'] | 'lost';

/** Why and how a job ends: the node's result and events, or the master's reason; more fields to store. */
export interface Ending {
  error?: string | undefined;
  result?: JobResult;
  fresh?: SequencedJobEvent[];
  /** When the job started, if that is news too (its `started` came with its end). */
  startedAt?: string | undefined;
  /** The store holds an assignment memory never had (a conditional finish of a queued job, see `FleetJobs.finishQueued`): cleared. */
  unassigned?: boolean;
}

/** What the master records itself when it ends a job without the node's word. */
export function closingEvents(job: JobRecord, status: FinalStatus, at: string, error: string | undefined): JobEvent[] {
  if (status === 'lost') return [{ kind: 'error', message: error ?? 'lost' }];
  const since = job.startedAt ?? job.assignedAt ?? job.createdAt;
  const durationMs = Math.max(0, Date.parse(at) - Date.parse(since));
  return [{ kind: 'finished', result: { status, durationMs, filesChanged: [], commands: [], ...(error === undefined ? {} : { error }) } }];
}

/** What a job's end writes. Assigned one by one: object spreads of these varying shapes took V8's slow path. */
export function finalChanges(status: FinalStatus, at: string, { error, result, startedAt, unassigned }: Ending): JobChanges {
  const changes: JobChanges = { status, finishedAt: at };
  if (unassigned === true) {
    changes.node = null;
    changes.assignedAt = null;
  }
  if (startedAt !== undefined) changes.startedAt = startedAt;
  if (error !== undefined) changes.error = error;
  if (result) changes.result = result;
  return changes;
}
