import { randomUUID } from 'node:crypto';
import { OverdueSubmit, type ChatJobRequest, type ChatJobUpdate, type GatewayStatus, type JobGateway, type JobSummary } from '../chat/index.js';
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

/** How long the gateway waits for the master's answers. */
export interface MasterGatewayOptions {
  /** Until `submit` rejects with `OverdueSubmit` (the answer is still taken later); default 30 s. */
  submitTimeoutMs?: number;
  /** Until `status` rejects; default 15 s. */
  statusTimeoutMs?: number;
}

const DEFAULT_SUBMIT_TIMEOUT_MS = 30_000;
const DEFAULT_STATUS_TIMEOUT_MS = 15_000;

/**
 * Jobs through the master's WebSocket: `job_submit`, `job_cancel_request`, `status_request`, and
 * `job_update`s for the jobs this bridge follows. After every reconnect it re-follows its
 * unfinished jobs and resends unanswered submits (the master answers a repeated `requestId` with
 * the job it already made), so a master restart loses no result. Nothing waits forever: a submit
 * or status request unanswered in time rejects with a message for the chat; a submit stays
 * pending (and is resent) so that a late answer still reaches the chat through `OverdueSubmit`.
 */
export class MasterGateway implements JobGateway {
  private readonly submits = new Map<string, Waiting<JobSummary>>();
  private readonly statuses = new Map<string, Waiting<GatewayStatus>>();
  private readonly following = new Set<number>();
  private readonly listeners = new Set<(update: ChatJobUpdate) => void>();
  private readonly submitTimeoutMs: number;
  private readonly statusTimeoutMs: number;

  constructor(
    private readonly link: Pick<MasterLink, 'send' | 'connected'>,
    options: MasterGatewayOptions = {},
  ) {
    this.submitTimeoutMs = options.submitTimeoutMs ?? DEFAULT_SUBMIT_TIMEOUT_MS;
    this.statusTimeoutMs = options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS;
  }

  /** Rejects with `OverdueSubmit` when the master has not answered within the submit timeout. */
  submit(request: ChatJobRequest): Promise<JobSummary> {
    const frame: JobSubmitFrame = { type: 'job_submit', requestId: randomUUID(), ...request };
    const answer = new Promise<JobSummary>((resolve, reject) => {
      this.submits.set(frame.requestId, { resolve, reject, frame });
      this.link.send(frame);
    });
    return withDeadline(answer, this.submitTimeoutMs, () => new OverdueSubmit(this.overdueText(), answer));
  }

  /**
   * Fire and forget: the master answers a cancel with the job's updates (its final state arrives
   * as for any job), so nothing here waits; one sent while the master is away goes out once it is back.
   */
  cancel(jobId: number): Promise<void> {
    this.link.send({ type: 'job_cancel_request', jobId });
    return Promise.resolve();
  }

  /** Rejects with a `GatewayError` (`timeout`) when the master has not answered within the status timeout. */
  status(): Promise<GatewayStatus> {
    const requestId = randomUUID();
    const answer = new Promise<GatewayStatus>((resolve, reject) => {
      this.statuses.set(requestId, { resolve, reject });
      this.link.send({ type: 'status_request', requestId });
    });
    return withDeadline(answer, this.statusTimeoutMs, () => {
      // A late answer finds nobody waiting and is dropped.
      this.statuses.delete(requestId);
      const seconds = this.statusTimeoutMs / 1000;
      return new GatewayError(
        'timeout',
        this.link.connected
          ? `the master did not answer within ${seconds} s; try again in a moment.`
          : `the master is out of reach (no answer within ${seconds} s); the bridge keeps reconnecting, try again in a moment.`,
      );
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

  /** What the chat is told of a submit not answered in time; the request is still pending. */
  private overdueText(): string {
    const seconds = this.submitTimeoutMs / 1000;
    return this.link.connected
      ? `The master did not answer within ${seconds} s; the request may still run: /status shows it, and if it does, its progress and result appear here.`
      : `No answer within ${seconds} s: the master is out of reach. The request goes out once it is back, and its progress and result appear here then.`;
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

/** `answer`, or the error `onTimeout` makes once `ms` have passed without it. */
function withDeadline<T>(answer: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms).unref();
    answer.finally(() => clearTimeout(timer)).then(resolve, reject);
  });
}
