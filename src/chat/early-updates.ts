import type { ChatJobUpdate } from './types.js';

/** Bounds: a bridge receives updates only of its own jobs, so these are never reached in practice. */
const MAX_JOBS = 100;
const MAX_EVENTS = 200;

/**
 * Updates of jobs the engine does not track yet, kept while a submit is in flight. A gateway may
 * deliver a job's next updates in the same turn as the answer to its submit (`ws` emits every
 * frame of one socket read at once, before any promise callback runs), so they would otherwise
 * arrive before the engine knows the job, and a final state would be lost.
 */
export class EarlyUpdates {
  private readonly kept = new Map<number, ChatJobUpdate>();
  private inFlight = 0;

  /** A submit was sent. */
  begin(): void {
    this.inFlight += 1;
  }

  /** A submit's answer was taken (or it failed); with none in flight, nothing is kept any more. */
  end(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.kept.clear();
  }

  /** Keeps an update of an unknown job while a submit is in flight: the latest state, all notable events. */
  keep({ job, events }: ChatJobUpdate): void {
    if (this.inFlight === 0) return;
    const before = this.kept.get(job.id)?.events ?? [];
    this.kept.delete(job.id);
    this.kept.set(job.id, { job, events: [...before, ...events].slice(-MAX_EVENTS) });
    if (this.kept.size > MAX_JOBS) this.kept.delete(this.kept.keys().next().value as number);
  }

  /** What arrived for a job before the engine knew it. */
  take(jobId: number): ChatJobUpdate | undefined {
    const update = this.kept.get(jobId);
    this.kept.delete(jobId);
    return update;
  }
}
