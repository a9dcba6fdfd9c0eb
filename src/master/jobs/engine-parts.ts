import type { JobSpec } from '../../protocol/index.js';
import type { Hub, ReadyNode } from '../hub/index.js';
import type { JobChanges, JobRecord, JobStore } from '../store/index.js';
import type { Ending, FinalStatus } from './ending.js';
import type { LoadGate } from './load-gate.js';
import { timeoutLeftMs } from './rollback.js';
import type { JobServiceOptions } from './types.js';
import type { Memory } from './reload.js';

/** The job engine's memory and what it does with it, as the work of several masters uses them (`FleetJobs`). */
export interface EngineParts extends Memory {
  store: Pick<JobStore, 'get' | 'events' | 'whenCommitted'>;
  hub: Pick<Hub, 'sendToNode'>;
  options: Pick<JobServiceOptions, 'onAssigned'>;
  gate: LoadGate;
  dispatch(): void;
  /** `nodeReady` once the jobs the node claims are held here: claims kept or refused, the node's slots. */
  nodeReadyNow(node: ReadyNode): void;
  requeueOrLose(job: JobRecord, reason: string): void;
  finish(job: JobRecord, status: FinalStatus, ending: Ending): JobRecord;
}

/** Hands a job to a node once its claim has won (the store has the assignment): false when the node is gone. */
export function handOver(parts: EngineParts, job: JobRecord, node: string, spec: JobSpec, changes: JobChanges): boolean {
  if (!parts.hub.sendToNode(node, { type: 'job_assign', job: spec })) return false;
  parts.options.onAssigned?.(node, spec);
  const assigned = parts.jobs.claimed(job, changes);
  // Reserved when the claim went out; again, in case the node reconnected meanwhile.
  parts.pool.start(node, job.id);
  parts.timers.set('timeout', job.id, job.timeoutSec * 1000, () => parts.timeOut(job.id));
  parts.log.info({ job: job.id, node, attempt: assigned.attempt }, 'job assigned');
  parts.jobs.notify(assigned, []);
  return true;
}

/** Takes a queued job of the shared queue into memory (it is stored so: nothing is written). */
export function mirror(parts: EngineParts, job: JobRecord, predecessor: JobRecord | undefined): void {
  parts.jobs.admit(job, predecessor);
  parts.queue.insert(job.id);
  // A job that never left the queue has waited since it was made; a re-queued one waits anew.
  parts.waiting.arm(job, job.attempt === 0 ? Date.now() - Date.parse(job.createdAt) : 0);
}

/** Drops a job from memory without writing (timers, slot, queue place): another master has it, or ended it. */
export function release(parts: EngineParts, id: number): JobRecord | undefined {
  const job = parts.jobs.forget(id);
  if (job === undefined) return undefined;
  parts.timers.clearAll(id);
  if (job.status === 'queued') {
    parts.queue.remove(id);
    parts.waiting.left(id);
  }
  parts.pool.finish(job.node, id);
  parts.claims.ended(id);
  parts.questions.forget(id);
  return job;
}

/** Holds a job out on a node as this master's (adopted, or taken over), with what is left of its timeout. */
export function takeOut(parts: EngineParts, job: JobRecord, predecessor: JobRecord | undefined): void {
  const { jobs, timers, queue, waiting, pool, questions } = parts;
  const local = jobs.active.get(job.id);
  if (local?.status === 'queued') {
    queue.remove(job.id);
    waiting.left(job.id);
  } else if (local?.node !== undefined && local.node !== job.node) pool.finish(local.node, job.id);
  timers.clearAll(job.id);
  jobs.admit(job, predecessor);
  timers.set('timeout', job.id, timeoutLeftMs(job, Date.now()), () => parts.timeOut(job.id));
  questions.restore([job]);
}
