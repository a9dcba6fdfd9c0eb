import type { Logger } from '../log/index.js';
import { isoNow, type Frame, type JobEvent, type JobSpec, type SequencedJobEvent } from '../protocol/index.js';
import type { Executor } from './executor.js';
import type { JobJournal } from './job-journal.js';
import type { Workspaces } from './workspaces.js';

/** The protocol's cap on events in one `job_events` frame. */
const MAX_EVENTS_PER_FRAME = 1000;

interface RunningJob {
  nextSeq: number;
  /** Sent but not yet acknowledged: sent again after a reconnect. */
  unacked: SequencedJobEvent[];
  abort: AbortController;
  done: boolean;
}

/**
 * Runs the jobs the master assigns to this node. Events are numbered from the master's `nextSeq`
 * and kept until the master acknowledges them, so a dropped connection loses none; a job is
 * forgotten only once its final event is acknowledged.
 */
export class JobRunner {
  private readonly jobs = new Map<number, RunningJob>();
  /**
   * Events not sent yet: one frame per job per turn of the event loop, not one per event. A turn
   * (`setImmediate`) rather than a tick: Codex's notifications and a quick job's `started` and
   * `finished` then share a frame, its journal write and its acknowledgement.
   */
  private outgoing = new Map<number, SequencedJobEvent[]>();

  constructor(
    private readonly executor: Executor,
    private readonly send: (frame: Frame) => boolean,
    private readonly log: Logger,
    private readonly workspaces: Workspaces,
    private readonly journal?: JobJournal,
  ) {
    if (journal) this.restore(journal);
  }

  /** Jobs this node still holds (running, or finished but not acknowledged). */
  held(): number[] {
    return [...this.jobs.keys()];
  }

  assign(spec: JobSpec): void {
    if (this.jobs.has(spec.id)) return;
    const job: RunningJob = { nextSeq: spec.nextSeq, unacked: [], abort: new AbortController(), done: false };
    this.jobs.set(spec.id, job);
    this.journal?.start(spec);
    this.log.info({ job: spec.id, attempt: spec.attempt, executor: this.executor.name }, 'job started');
    const emit = (event: JobEvent) => this.emit(spec.id, job, event);
    emit({ kind: 'started', executor: this.executor.name });
    void this.workspaces
      .prepare(spec)
      .then((cwd) => this.executor.run(spec, { cwd, emit, signal: job.abort.signal }))
      .catch((error: unknown) => ({
        status: 'failed' as const,
        filesChanged: [],
        commands: [],
        durationMs: 0,
        error: error instanceof Error ? error.message : String(error),
      }))
      .then((result) => {
        emit({ kind: 'finished', result });
        job.done = true;
        this.log.info({ job: spec.id, status: result.status }, 'job finished');
      });
  }

  cancel(jobId: number): void {
    this.jobs.get(jobId)?.abort.abort();
  }

  acknowledge(jobId: number, seq: number): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    // Acknowledgements are cumulative and events are kept in order: drop the acknowledged prefix.
    const kept = job.unacked.findIndex((e) => e.seq > seq);
    job.unacked = kept < 0 ? [] : kept === 0 ? job.unacked : job.unacked.slice(kept);
    if (job.done && job.unacked.length === 0) {
      this.jobs.delete(jobId);
      this.journal?.remove(jobId);
    }
  }

  /** After a reconnect: everything not acknowledged goes again; the master drops duplicates. */
  resend(): void {
    for (const [jobId, job] of this.jobs) {
      if (job.unacked.length > 0) this.send({ type: 'job_events', jobId, events: job.unacked });
    }
  }

  /**
   * Jobs journaled before a restart. Finished ones are delivered as they are; one that was still
   * running died with the old process, so it ends as failed, and the master hears it either way.
   */
  private restore(journal: JobJournal): void {
    for (const { spec, events } of journal.load()) {
      const last = events.at(-1);
      const job: RunningJob = { nextSeq: (last?.seq ?? spec.nextSeq - 1) + 1, unacked: events, abort: new AbortController(), done: true };
      this.jobs.set(spec.id, job);
      if (last?.event.kind !== 'finished') {
        const error = 'the node restarted while the job was running';
        this.emit(spec.id, job, { kind: 'finished', result: { status: 'failed', error, filesChanged: [], commands: [], durationMs: 0 } });
      }
      this.log.info({ job: spec.id, events: job.unacked.length }, 'job restored from the journal');
    }
  }

  private emit(jobId: number, job: RunningJob, event: JobEvent): void {
    const sequenced = { seq: job.nextSeq++, at: isoNow(), event };
    job.unacked.push(sequenced);
    if (this.outgoing.size === 0) setImmediate(this.flush);
    const batch = this.outgoing.get(jobId);
    if (batch) batch.push(sequenced);
    else this.outgoing.set(jobId, [sequenced]);
  }

  private readonly flush = (): void => {
    const outgoing = this.outgoing;
    this.outgoing = new Map();
    for (const [jobId, events] of outgoing) {
      this.journal?.append(jobId, events);
      for (let i = 0; i < events.length; i += MAX_EVENTS_PER_FRAME) {
        this.send({ type: 'job_events', jobId, events: events.slice(i, i + MAX_EVENTS_PER_FRAME) });
      }
    }
  };
}
