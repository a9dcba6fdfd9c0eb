import type { CodexQuestion } from '../codex/index.js';
import type { Logger } from '../log/index.js';
import { isoNow, type JobAnswerFrame, type JobCancelReason, type JobEvent, type JobResult, type JobSpec } from '../protocol/index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, encodeEvent, eventFrames, firstAfter, frameByteBudget, type EncodedEvent } from './event-frames.js';
import type { Executor } from './executor.js';
import type { JobAttachmentFrame, JobInbox } from './job-inbox.js';
import type { JobJournal } from './job-journal.js';
import { JobQuestions } from './job-questions.js';
import type { JobWork } from './job-work.js';
import type { Workspace } from './workspaces.js';

/** One attempt of a job on this node. */
interface RunningJob {
  readonly id: number;
  readonly attempt: number;
  nextSeq: number;
  /** Not acknowledged yet, in seq order: a reconnect sends them again. */
  unacked: EncodedEvent[];
  /** The last seq the current connection carried: the next frame starts after it. */
  sentSeq: number;
  /** Emitted since the last flush, which journals them. */
  unjournaled: EncodedEvent[];
  readonly abort: AbortController;
  /** The executor has returned: the job is forgotten once everything is acknowledged. */
  done: boolean;
  /** Stopped for good (superseded, ended, replaced by a newer attempt): what it still emits is dropped. */
  discarded: boolean;
  /** A journal write failed: it is not written again, since a file with a hole would be worse than none. */
  journalLost: boolean;
  /** Codex's questions while it runs (none for a job restored from the journal). */
  questions?: JobQuestions;
  /** The job's files as the master sends them (none for a job without, or restored from the journal). */
  inbox?: JobInbox;
}

/** What the master's `job_cancel` may say; without a reason it is a plain `cancel`. */
export interface CancelNotice {
  reason?: JobCancelReason | undefined;
  message?: string | undefined;
}

/**
 * Runs the jobs the master assigns to this node. Events are numbered from the master's `nextSeq`,
 * journaled, sent in frames within the master's limits, and kept until the master acknowledges
 * them, so a dropped connection loses none; a job is forgotten once its final event is
 * acknowledged, or at once when the master says this copy is no longer the job.
 */
export class JobRunner {
  private readonly jobs = new Map<number, RunningJob>();
  /**
   * Jobs with events emitted since the last flush: one flush per turn of the event loop, not one
   * per event. A turn (`setImmediate`) rather than a tick: Codex's notifications and a quick job's
   * `started` and `finished` then share a frame, its journal write and its acknowledgement.
   */
  private dirty = new Set<RunningJob>();
  private frameBytes = frameByteBudget(DEFAULT_MAX_PAYLOAD_BYTES);
  /** From a welcome until the resend a turn later: nothing is sent (see `connected`). */
  private holding = false;

  /** `send` takes an encoded frame and says whether it went out (false while disconnected). */
  constructor(
    private readonly executor: Executor,
    private readonly send: (frame: string) => boolean,
    private readonly log: Logger,
    private readonly work: JobWork,
    private readonly journal?: JobJournal,
  ) {
    if (journal) this.restore(journal);
  }

  /** Jobs this node still holds (running, or finished but not acknowledged). */
  held(): number[] {
    return [...this.jobs.keys()];
  }

  /** Runs a job. A repeated assignment of the attempt held is ignored; a newer attempt replaces it. */
  assign(spec: JobSpec): void {
    const held = this.jobs.get(spec.id);
    if (held && held.attempt >= spec.attempt) return;
    if (held) {
      this.log.info({ job: spec.id, attempt: held.attempt, newAttempt: spec.attempt }, 'job re-assigned: the older attempt is stopped and its events dropped');
      this.drop(held);
    }
    this.start(spec);
  }

  /**
   * The master's `job_cancel`. A plain cancel stops the run, which ends as cancelled. Any other
   * reason means this copy is no longer the job: it is stopped and its events and journal file
   * are dropped, since the master would refuse them.
   */
  cancel(jobId: number, { reason = 'cancel', message }: CancelNotice = {}): void {
    const job = this.jobs.get(jobId);
    if (reason === 'cancel') {
      job?.abort.abort();
      return;
    }
    this.log.warn({ job: jobId, reason, held: job !== undefined }, `job ${jobId}: ${reason}: ${message ?? 'the master no longer counts this copy'}`);
    if (job) this.drop(job);
  }

  /** The master's `job_answer`: Codex is told, unless no question of that id waits (answered, moot, another attempt's). */
  answer({ jobId, questionId, answer, by }: JobAnswerFrame): void {
    if (this.jobs.get(jobId)?.questions?.answer(questionId, answer, by)) return;
    this.log.debug({ job: jobId, question: questionId }, 'ignored an answer to a question this node does not wait on');
  }

  /** One part of one of the job's files (`job_attachment`); one for a job that waits on none is ignored. */
  attachment(frame: JobAttachmentFrame): void {
    this.jobs.get(frame.jobId)?.inbox?.add(frame);
  }

  /** The master has stored the job's events up to `seq`: they are forgotten, and the job once its end is. */
  acknowledge(jobId: number, seq: number): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    // Acknowledgements are cumulative and events are kept in order: drop the acknowledged prefix.
    const kept = firstAfter(job.unacked, seq);
    if (kept > 0) job.unacked = job.unacked.slice(kept);
    if (job.done && job.unacked.length === 0) {
      this.jobs.delete(jobId);
      if (!job.journalLost) this.removeJournal(jobId);
    }
  }

  /**
   * The master welcomed this node (on every reconnect): frames fit its limit from now on, and
   * everything it has not acknowledged goes again, a turn later: by then the frames that came with
   * the welcome (a `job_cancel` for a copy it no longer wants, a newer attempt) have been handled,
   * so that no backlog is sent only to be refused.
   */
  connected(maxPayloadBytes: number): void {
    this.frameBytes = frameByteBudget(maxPayloadBytes);
    for (const job of this.jobs.values()) job.sentSeq = 0;
    this.holding = true;
    setImmediate(this.resend);
  }

  private readonly resend = (): void => {
    this.holding = false;
    // Journal this turn's events first: nothing is sent, and so acknowledged, before it is on disk.
    this.flush();
    for (const job of this.jobs.values()) {
      const sent = this.pump(job);
      if (sent.frames > 0) this.log.info({ job: job.id, attempt: job.attempt, ...sent }, 'sent the unacknowledged events again');
    }
  };

  private start(spec: JobSpec): void {
    const job = newJob(spec, spec.nextSeq, false);
    this.jobs.set(spec.id, job);
    this.log.info({ job: spec.id, attempt: spec.attempt, executor: this.executor.name }, 'job started');
    const emit = (event: JobEvent) => this.emit(job, event);
    const questions = new JobQuestions({ spec, emit, stopped: job.abort.signal, frameBytes: () => this.frameBytes, log: this.log });
    job.questions = questions;
    job.inbox = this.work.inbox(spec);
    emit({ kind: 'started', executor: this.executor.name });
    this.writeJournal(job, (journal) => journal.start(spec));
    void this.run(spec, job, emit, questions).then((result) => {
      emit({ kind: 'finished', result });
      job.done = true;
      if (!job.discarded) this.log.info({ job: spec.id, status: result.status }, 'job finished');
    });
  }

  /** Prepares the workspace, runs the executor there, then records (and maybe publishes) the change. */
  private async run(spec: JobSpec, job: RunningJob, emit: (event: JobEvent) => void, questions: JobQuestions): Promise<JobResult> {
    let workspace: Workspace;
    try {
      workspace = await this.work.prepare(spec);
    } catch (error) {
      return failedResult(messageOf(error));
    }
    const ask = (question: CodexQuestion, signal: AbortSignal) => questions.ask(question, signal);
    const { signal } = job.abort;
    const result = await this.work.withFiles(workspace.cwd, { inbox: job.inbox, signal, emit, frameBytes: () => this.frameBytes }, (files) =>
      this.executor.run(spec, { cwd: workspace.cwd, emit, signal, ask, files }).catch((error: unknown) => failedResult(messageOf(error))),
    );
    questions.settleAll();
    if (!job.discarded) return this.work.finish(spec, workspace, result, emit);
    await this.work.discard(workspace);
    return result;
  }

  /** Stops a copy for good: its run is aborted, and its events, kept and journaled, forgotten. */
  private drop(job: RunningJob): void {
    job.discarded = true;
    job.abort.abort();
    this.jobs.delete(job.id);
    this.dirty.delete(job);
    if (!job.journalLost) this.removeJournal(job.id);
  }

  /**
   * Jobs journaled before a restart. Finished ones are delivered as they are; one that was still
   * running died with the old process, so it ends as failed, and the master hears it either way.
   */
  private restore(journal: JobJournal): void {
    for (const { spec, events } of journal.load()) {
      const last = events.at(-1);
      const job = newJob(spec, (last?.seq ?? spec.nextSeq - 1) + 1, true);
      job.unacked = events.map(encodeEvent);
      this.jobs.set(spec.id, job);
      if (last?.event.kind !== 'finished') {
        this.emit(job, { kind: 'finished', result: failedResult('the node restarted while the job was running') });
      }
      this.log.info({ job: spec.id, attempt: spec.attempt, events: job.unacked.length }, 'job restored from the journal');
    }
  }

  private emit(job: RunningJob, event: JobEvent): void {
    if (job.discarded) return;
    const encoded = encodeEvent({ seq: job.nextSeq++, at: isoNow(), event });
    job.unacked.push(encoded);
    job.unjournaled.push(encoded);
    if (this.dirty.size === 0) setImmediate(this.flush);
    this.dirty.add(job);
  }

  private readonly flush = (): void => {
    const dirty = this.dirty;
    this.dirty = new Set();
    for (const job of dirty) {
      const events = job.unjournaled;
      job.unjournaled = [];
      this.writeJournal(job, (journal) => journal.append(job.id, events));
      this.pump(job);
    }
  };

  /**
   * Sends, in frames, the events the current connection has not carried yet, in order. Stops at
   * the first send that fails: the next welcome starts again from the first unacknowledged one.
   */
  private pump(job: RunningJob): { events: number; frames: number; bytes: number } {
    const sent = { events: 0, frames: 0, bytes: 0 };
    if (this.holding) return sent;
    const from = firstAfter(job.unacked, job.sentSeq);
    if (from === job.unacked.length) return sent;
    const onOversized = (seq: number, bytes: number, keptBytes: number) =>
      this.log.warn({ job: job.id, seq, bytes, keptBytes }, 'an event was larger than a frame may be: it is sent cut down');
    for (const frame of eventFrames(job.id, job.attempt, job.unacked.slice(from), this.frameBytes, onOversized)) {
      if (!this.send(frame.text)) break;
      job.sentSeq = frame.lastSeq;
      sent.events += frame.events;
      sent.frames += 1;
      sent.bytes += frame.bytes;
    }
    return sent;
  }

  /** Runs a journal write; one that fails (a full disk) never throws out of here: see `journalFailed`. */
  private writeJournal(job: RunningJob, write: (journal: JobJournal) => void): void {
    if (!this.journal || job.journalLost) return;
    try {
      write(this.journal);
    } catch (error) {
      this.journalFailed(job, messageOf(error));
    }
  }

  /**
   * The job goes on without a journal, and says so on the job: its events are still sent and kept
   * in memory until acknowledged, so only a restart before then loses them.
   */
  private journalFailed(job: RunningJob, reason: string): void {
    job.journalLost = true;
    this.log.error({ job: job.id, err: reason }, 'could not write the job journal: the job goes on without it');
    // A file missing events would replay a log with a hole after a restart; with none, the node
    // does not claim the job and the master re-queues it.
    this.removeJournal(job.id);
    this.emit(job, {
      kind: 'error',
      message:
        `the node could not write its journal (${reason}): this job's events are still sent and kept in memory until the master has stored them, ` +
        'but if the node restarts before then they are lost and the master re-queues the job',
    });
  }

  private removeJournal(jobId: number): void {
    try {
      this.journal?.remove(jobId);
    } catch (error) {
      this.log.warn({ job: jobId, err: messageOf(error) }, 'could not remove the job journal file: a restart delivers it again, and the master drops what it already has');
    }
  }
}

function newJob(spec: JobSpec, nextSeq: number, done: boolean): RunningJob {
  return { id: spec.id, attempt: spec.attempt, nextSeq, unacked: [], sentSeq: 0, unjournaled: [], abort: new AbortController(), done, discarded: false, journalLost: false };
}

function failedResult(error: string): JobResult {
  return { status: 'failed', filesChanged: [], commands: [], durationMs: 0, error };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
