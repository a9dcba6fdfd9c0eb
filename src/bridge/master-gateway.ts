import { randomUUID } from 'node:crypto';
import { ChatTextError, OverdueSubmit, type AnswerOutcome, type Catalog, type ChatAnswerer, type ChatJobRequest, type ChatJobUpdate, type GatewayStatus, type JobGateway, type JobSummary, type QuestionAnswer, type UploadFile } from '../chat/index.js';
import { FINAL_JOB_STATUSES, MAX_ATTACHMENT_BYTES, type Attachment, type ErrorFrame, type Frame, type JobSubmitFrame, type JobUpdateFrame, type Publication, type PublishMode, type UsageFrame } from '../protocol/index.js';
import { PendingRequests, uploadFrames, withDeadline } from './gateway-requests.js';
import type { MasterLink } from './master-link.js';

/** `/usage`'s answer: the report and today's figures for the asker. */
export type GatewayUsage = Omit<UsageFrame, 'type' | 'requestId'>;

/** The master refused a bridge request, or did not answer it; fit for the chat (the master's own words are English). */
export class GatewayError extends ChatTextError {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: string,
    text: string | ((t: Catalog) => string),
  ) {
    super(typeof text === 'string' ? () => text : text);
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
  /** Until `publishJob` rejects (the node pushes and calls GitHub meanwhile); default 5 min. */
  publishTimeoutMs?: number;
  /** Until `answer` rejects (the answer may still count); default 15 s. */
  answerTimeoutMs?: number;
  /** Until `upload` rejects (20 MiB to the master, stored and hashed there); default 2 min. */
  uploadTimeoutMs?: number;
  /** Until `usage` rejects; default 15 s. */
  usageTimeoutMs?: number;
}

const DEFAULT_SUBMIT_TIMEOUT_MS = 30_000;
const DEFAULT_STATUS_TIMEOUT_MS = 15_000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 300_000;
const DEFAULT_ANSWER_TIMEOUT_MS = 15_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
const DEFAULT_USAGE_TIMEOUT_MS = 15_000;
/** Jobs whose last publication is remembered, so that `publishJob` can tell a new one from it. */
const REMEMBERED_PUBLICATIONS = 1000;

/** A `job_publish_request` waiting for the job's update that carries its outcome. */
interface PendingPublish extends Waiting<Publication> {
  jobId: number;
  /** The job's publication when the request went out (JSON), so a repeat of it is not taken for the answer. */
  before: string | undefined;
}

/**
 * Jobs through the master's WebSocket: `job_submit`, `job_cancel_request`, `status_request`,
 * `job_publish_request`, `question_answer`, `attachment_upload`, `usage_request`, and `job_update`s for the jobs this bridge follows. After every reconnect
 * it re-follows its unfinished jobs and resends unanswered submits (the master answers a repeated `requestId` with
 * the job it already made), so a master restart loses no result. Nothing waits forever: a submit
 * or status request unanswered in time rejects with a message for the chat; a submit stays
 * pending (and is resent) so that a late answer still reaches the chat through `OverdueSubmit`.
 */
export class MasterGateway implements JobGateway {
  private readonly submits = new Map<string, Waiting<JobSummary>>();
  private readonly statuses = new PendingRequests<GatewayStatus>();
  private readonly publishes = new Map<string, PendingPublish>();
  private readonly answers = new PendingRequests<AnswerOutcome>();
  private readonly uploads = new PendingRequests<Attachment>();
  private readonly usages = new PendingRequests<GatewayUsage>();
  private readonly publications = new Map<number, string>();
  private readonly following = new Set<number>();
  private readonly listeners = new Set<(update: ChatJobUpdate) => void>();
  private readonly submitTimeoutMs: number;
  private readonly statusTimeoutMs: number;
  private readonly publishTimeoutMs: number;
  private readonly answerTimeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly usageTimeoutMs: number;

  constructor(
    private readonly link: Pick<MasterLink, 'send' | 'connected'>,
    options: MasterGatewayOptions = {},
  ) {
    this.submitTimeoutMs = options.submitTimeoutMs ?? DEFAULT_SUBMIT_TIMEOUT_MS;
    this.statusTimeoutMs = options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS;
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.usageTimeoutMs = options.usageTimeoutMs ?? DEFAULT_USAGE_TIMEOUT_MS;
  }

  /** Rejects with `OverdueSubmit` when the master has not answered within the submit timeout. */
  submit(request: ChatJobRequest): Promise<JobSummary> {
    const frame: JobSubmitFrame = { type: 'job_submit', requestId: randomUUID(), ...request };
    const answer = new Promise<JobSummary>((resolve, reject) => {
      this.submits.set(frame.requestId, { resolve, reject, frame });
      this.link.send(frame);
    });
    return withDeadline(answer, this.submitTimeoutMs, () => new OverdueSubmit(((connected) => (t: Catalog) => t.gateway.submitLate(this.submitTimeoutMs / 1000, connected))(this.link.connected), answer));
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
    const send = () => this.link.send({ type: 'status_request', requestId });
    return this.statuses.open(requestId, send, this.statusTimeoutMs, () => this.late((t, seconds, connected) => t.gateway.statusLate(seconds, connected), this.statusTimeoutMs));
  }

  /**
   * `/pr`: the master has the job's node push (and open a pull request). Answered by the job's
   * update that carries the outcome (a pushed branch, a pull request, or an error), or an `error`.
   */
  publishJob(jobId: number, mode: PublishMode): Promise<Publication> {
    const requestId = randomUUID();
    const answer = new Promise<Publication>((resolve, reject) => {
      this.publishes.set(requestId, { resolve, reject, jobId, before: this.publications.get(jobId) });
      this.link.send({ type: 'job_publish_request', requestId, jobId, mode });
    });
    return withDeadline(answer, this.publishTimeoutMs, () => {
      this.publishes.delete(requestId);
      return new GatewayError('timeout', (t) => t.gateway.publishLate(this.publishTimeoutMs / 1000));
    });
  }

  /**
   * A chat user's answer to a question (`question_answer`), settled by the master's
   * `question_result`. Rejects with a `GatewayError` when the master refuses the frame or has not
   * answered in time; a late answer may still have counted, and the job's update shows it.
   */
  answer(jobId: number, questionId: string, answer: QuestionAnswer, user: ChatAnswerer): Promise<AnswerOutcome> {
    const requestId = randomUUID();
    const send = () => this.link.send({ type: 'question_answer', requestId, jobId, questionId, answer, user });
    return this.answers.open(requestId, send, this.answerTimeoutMs, () => this.late((t, seconds, connected) => t.gateway.answerLate(seconds, connected), this.answerTimeoutMs));
  }

  /**
   * Stores a file on the master for a request (`attachment_upload` parts → `attachment_stored`).
   * Rejects with a `GatewayError`: too large (not sent), refused by the master, or not stored in time.
   * Not resent after a reconnect: the master drops a half-received upload with its connection.
   */
  upload(file: UploadFile): Promise<Attachment> {
    if (file.content.length > MAX_ATTACHMENT_BYTES) {
      return Promise.reject(new GatewayError('payload_too_large', (t) => t.gateway.fileTooLarge(file.name, megabytes(file.content.length), megabytes(MAX_ATTACHMENT_BYTES))));
    }
    const requestId = randomUUID();
    const send = () => {
      for (const frame of uploadFrames(requestId, file)) this.link.send(frame);
    };
    return this.uploads.open(requestId, send, this.uploadTimeoutMs, () => this.late((t, seconds, connected) => t.gateway.notStored(file.name, seconds, connected), this.uploadTimeoutMs));
  }

  /** `/usage` (`usage_request` → `usage`): the last `days` days, and today's figures for `who`'s user and chat. */
  usage(who: ChatAnswerer, days: number): Promise<GatewayUsage> {
    const requestId = randomUUID();
    const send = () => this.link.send({ type: 'usage_request', requestId, platform: who.platform, chatId: who.chatId, userId: who.userId, days });
    return this.usages.open(requestId, send, this.usageTimeoutMs, () => this.late((t, seconds, connected) => t.gateway.usageLate(seconds, connected), this.usageTimeoutMs));
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
        this.settlePublishes(frame);
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
        const { requestId, master, nodes, profiles } = frame;
        if (requestId !== undefined) this.statuses.settle(requestId, { master, nodes, ...(profiles === undefined ? {} : { profiles }) });
        return true;
      }
      case 'attachment_stored':
        this.uploads.settle(frame.requestId, frame.attachment);
        return true;
      case 'usage':
        this.usages.settle(frame.requestId, { report: frame.report, today: frame.today });
        return true;
      case 'question_result': {
        const { outcome, message, state } = frame;
        this.answers.settle(frame.requestId, { outcome, message, ...(state === undefined ? {} : { state }) });
        return true;
      }
      case 'error':
        return this.fail(frame);
      default:
        return false;
    }
  }

  /**
   * Answers the publish requests of the job an update is about: the update that answers the
   * request (its id), or, after the master gave up waiting for the node (`node_timeout`), the
   * later update that brings the node's answer, a publication other than the one the job had.
   */
  private settlePublishes({ requestId, job }: JobUpdateFrame): void {
    const publication = job.result?.publication;
    const seen = publication === undefined ? undefined : JSON.stringify(publication);
    if (seen !== undefined) this.remember(job.id, seen);
    for (const [id, pending] of this.publishes) {
      if (pending.jobId !== job.id) continue;
      const answer = id === requestId;
      if (!answer && (seen === undefined || seen === pending.before)) continue;
      this.publishes.delete(id);
      if (publication) pending.resolve(publication);
      else pending.reject(new GatewayError('internal', (t) => t.gateway.noPublication));
    }
  }

  /** The job's latest publication, so that a later request can tell the node's answer from it. */
  private remember(jobId: number, publication: string): void {
    this.publications.delete(jobId);
    this.publications.set(jobId, publication);
    if (this.publications.size > REMEMBERED_PUBLICATIONS) this.publications.delete(this.publications.keys().next().value as number);
  }

  /** A request the master left unanswered: `what` happened, and whether the master is reachable. */
  /** A `timeout` in the catalog's words, with whether the master was connected when the wait ran out. */
  private late(text: (t: Catalog, seconds: number, connected: boolean) => string, ms: number): GatewayError {
    const connected = this.link.connected;
    return new GatewayError('timeout', (t) => text(t, ms / 1000, connected));
  }

  private fail(frame: ErrorFrame): boolean {
    const id = frame.requestId;
    if (id === undefined) return false;
    // The node is slow, not gone: the master still stores its answer, and its update settles the request.
    if (frame.code === 'node_timeout' && this.publishes.has(id)) return true;
    const error = new GatewayError(frame.code, frame.message);
    if ([this.statuses, this.answers, this.uploads, this.usages].some((pending) => pending.fail(id, error))) return true;
    const waiting = this.submits.get(id) ?? this.publishes.get(id);
    this.submits.delete(id);
    this.publishes.delete(id);
    waiting?.reject(error);
    return waiting !== undefined;
  }
}

/** Bytes as megabytes for people, one decimal at most. */
function megabytes(bytes: number): string {
  return String(Math.round((bytes / (1024 * 1024)) * 10) / 10);
}
