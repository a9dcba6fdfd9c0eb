import { randomUUID } from 'node:crypto';
import type { ChatJobRequest, ChatJobUpdate, GatewayStatus, JobGateway, JobSummary } from '../chat/index.js';
import { FINAL_JOB_STATUSES, type ErrorFrame, type Frame, type JobSubmitFrame } from '../protocol/index.js';
import type { MasterLink } from './master-link.js';

/** The master refused a bridge request; the message is fit for the chat. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  /** Sent again after a reconnect (a submit the master may not have seen). */
  frame?: JobSubmitFrame;
}

/**
 * Jobs through the master's WebSocket: `job_submit`, `job_cancel_request`, `status_request`, and
 * `job_update`s for the jobs this bridge follows. After every reconnect it re-follows its
 * unfinished jobs and resends unanswered submits (the master answers a repeated `requestId` with
 * the job it already made), so a master restart loses no result.
 */
export class MasterGateway implements JobGateway {
  private readonly submits = new Map<string, Waiting<JobSummary>>();
  private readonly statuses = new Map<string, Waiting<GatewayStatus>>();
  private readonly following = new Set<number>();
  private readonly listeners = new Set<(update: ChatJobUpdate) => void>();

  constructor(private readonly link: Pick<MasterLink, 'send'>) {}

  submit(request: ChatJobRequest): Promise<JobSummary> {
    const frame: JobSubmitFrame = { type: 'job_submit', requestId: randomUUID(), ...request };
    return new Promise((resolve, reject) => {
      this.submits.set(frame.requestId, { resolve, reject, frame });
      this.link.send(frame);
    });
  }

  cancel(jobId: number): Promise<void> {
    this.link.send({ type: 'job_cancel_request', jobId });
    return Promise.resolve();
  }

  status(): Promise<GatewayStatus> {
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      this.statuses.set(requestId, { resolve, reject });
      this.link.send({ type: 'status_request', requestId });
    });
  }

  onUpdate(listener: (update: ChatJobUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a (re)connect: follow the unfinished jobs again, resend unanswered submits. */
  welcomed(): void {
    if (this.following.size > 0) this.link.send({ type: 'job_follow', jobIds: [...this.following] });
    for (const waiting of this.submits.values()) if (waiting.frame) this.link.send(waiting.frame);
  }

  /** Handles a frame meant for the gateway; returns false for frames it does not know. */
  receive(frame: Frame): boolean {
    switch (frame.type) {
      case 'job_update': {
        const { requestId, job, events } = frame;
        if (FINAL_JOB_STATUSES.has(job.status)) this.following.delete(job.id);
        else this.following.add(job.id);
        const waiting = requestId === undefined ? undefined : this.submits.get(requestId);
        if (waiting && requestId !== undefined) {
          this.submits.delete(requestId);
          waiting.resolve(job);
          return true;
        }
        for (const listener of this.listeners) listener({ job, events });
        return true;
      }
      case 'status': {
        const waiting = frame.requestId === undefined ? undefined : this.statuses.get(frame.requestId);
        if (frame.requestId !== undefined) this.statuses.delete(frame.requestId);
        waiting?.resolve({ master: frame.master, nodes: frame.nodes });
        return true;
      }
      case 'error':
        return this.fail(frame);
      default:
        return false;
    }
  }

  private fail(frame: ErrorFrame): boolean {
    const id = frame.requestId;
    if (id === undefined) return false;
    const waiting = this.submits.get(id) ?? this.statuses.get(id);
    this.submits.delete(id);
    this.statuses.delete(id);
    waiting?.reject(new GatewayError(frame.code, frame.message));
    return waiting !== undefined;
  }
}
