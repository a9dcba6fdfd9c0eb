import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, type ChangeSummary, type JobPublishedFrame, type PublishMode } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Hub } from '../hub/index.js';
import type { JobRecord } from '../store/index.js';
import type { JobLedger } from './ledger.js';
import { publishFrame, type PublishableJob } from './publish-frame.js';

/** How long a publish waits for the node's answer unless the caller says otherwise (a push and an API call or two). */
export const DEFAULT_PUBLISH_WAIT_MS = 60_000;
/** Requests whose caller stopped waiting, still recognized when their answer comes. */
const REMEMBERED_LATE = 1000;

/** Asks the master that `node` is connected to, when another one, to publish the job; undefined when none is. */
export type PublishElsewhere = (node: string, jobId: number, mode: PublishMode, waitMs: number) => Promise<JobRecord> | undefined;

/** A `job_publish` sent to a node: who waits for its answer, until when. */
interface Request {
  requestId: string;
  jobId: number;
  node: string;
  mode: PublishMode;
  /** Requests are numbered as they are made: an old one's late answer does not replace a newer one's. */
  order: number;
  answer: Promise<JobRecord>;
  settle?: { resolve: (job: JobRecord) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
}

/**
 * Publishing a finished job's change afterwards (`POST /api/jobs/:id/publish`, a chat's `/pr`):
 * the node that ran the job holds its branch in its cache, so the master asks that node
 * (`job_publish`) and stores its answer (`job_published`) into the job's result, which every job
 * listener hears as an update. An answer that comes after its caller stopped waiting (a timeout,
 * the node reconnecting) is stored all the same, as is one the node sends after a master restart.
 */
export class Publisher {
  private readonly requests = new Map<string, Request>();
  /** Per job, the order of the request whose answer was stored last. */
  private readonly stored = new Map<number, number>();
  private made = 0;
  /** Other masters share the jobs: a node connected to one of them publishes through it. */
  private elsewhere: PublishElsewhere | undefined;

  constructor(
    private readonly jobs: Pick<JobLedger, 'find' | 'save' | 'notify'>,
    private readonly hub: Pick<Hub, 'sendToNode'>,
    private readonly log: Logger,
  ) {}

  /**
   * Asks the job's node to publish its branch and resolves with the job once the answer is
   * stored (a failed publication too: its `error` says why). Rejects when the job cannot be
   * published (`conflict`) or its node is not connected (`node_unavailable`), and with
   * `node_timeout` when no answer came within `waitMs`. The same request while one is out joins it.
   * A node connected to another master is asked through that master (`route` false: here or not at
   * all, for a request it sent).
   */
  async publish(id: number, mode: PublishMode, waitMs = DEFAULT_PUBLISH_WAIT_MS, route = true): Promise<JobRecord> {
    const { job, change } = publishable(await this.jobs.find(id));
    // Looked for after the read: a request made while it ran is joined, not sent twice.
    const pending = [...this.requests.values()].find((r) => r.jobId === id && r.settle !== undefined);
    if (pending?.mode === mode) return pending.answer;
    if (pending) throw new CodedError('conflict', `job ${id} is being published as a ${pending.mode === 'pr' ? 'pull request' : 'branch'}; wait for that first`);
    const requestId = randomUUID();
    if (!this.hub.sendToNode(job.node, publishFrame(job, change, mode, requestId))) {
      const there = route ? this.elsewhere?.(job.node, id, mode, waitMs) : undefined;
      if (there !== undefined) return there;
      throw new CodedError('node_unavailable', `node ${job.node}, which holds job ${id}'s branch ${change.branch}, is not connected; publish again once it is back`);
    }
    let settle: Request['settle'];
    const answer = new Promise<JobRecord>((resolve, reject) => {
      const timer = setTimeout(() => this.giveUp(request, 'node_timeout', `node ${job.node} did not answer within ${waitMs / 1000} s`), waitMs).unref();
      settle = { resolve, reject, timer };
    });
    const request: Request = { requestId, jobId: id, node: job.node, mode, order: ++this.made, answer, settle };
    this.requests.set(requestId, request);
    this.log.info({ job: id, node: job.node, mode, branch: change.branch }, 'publishing a job');
    return request.answer;
  }

  /** Publishes through the master a node is connected to when it is not connected here. */
  routeTo(elsewhere: PublishElsewhere): void {
    this.elsewhere = elsewhere;
  }

  /** A node's `job_published`: stored into the job's result when it comes from the job's node (the job is read first). */
  answered(node: string, frame: JobPublishedFrame): void {
    this.record(node, frame).catch((error: unknown) => {
      this.log.error({ err: error, job: frame.jobId, node }, 'could not store a publish answer');
      const request = this.requests.get(frame.requestId);
      const settle = request?.settle;
      if (!request || !settle) return;
      delete request.settle;
      clearTimeout(settle.timer);
      settle.reject(error instanceof Error ? error : new Error(String(error)));
    });
  }

  private async record(node: string, frame: JobPublishedFrame): Promise<void> {
    const found = await this.find(frame.jobId, node);
    const request = this.requests.get(frame.requestId);
    const job = found && this.answerable(node, frame, found, request);
    if (!job) return;
    this.requests.delete(frame.requestId);
    if (request?.settle) clearTimeout(request.settle.timer);
    const order = request?.order ?? 0;
    if ((this.stored.get(job.id) ?? -1) > order) {
      this.log.info({ job: job.id, node }, 'a publish answer came after a newer one: not stored');
      return;
    }
    // Not a spread: see `withChanges`.
    const result = Object.assign({}, job.result, { publication: frame.publication });
    const saved = this.jobs.save(job, { result });
    this.stored.set(job.id, order);
    this.log.info({ job: job.id, node, pullRequest: frame.publication.pullRequest?.url, error: frame.publication.error }, 'job published');
    this.jobs.notify(saved, []);
    request?.settle?.resolve(saved);
  }

  /** A node left: whoever waits for its answers hears so now; the answers are still taken if they come. */
  nodeGone(name: string): void {
    for (const request of this.requests.values()) {
      if (request.node === name) this.giveUp(request, 'node_unavailable', `node ${name} went away before it answered`);
    }
  }

  /** Stops waiting for every answer (the master is stopping). */
  close(): void {
    for (const request of this.requests.values()) this.giveUp(request, 'node_unavailable', 'the master is shutting down');
  }

  /** The job a `job_published` is for; undefined (logged) when there is none. */
  private async find(jobId: number, node: string): Promise<JobRecord | undefined> {
    try {
      return await this.jobs.find(jobId);
    } catch (error) {
      if (!(error instanceof CodedError && error.code === 'not_found')) throw error;
      this.log.warn({ job: jobId, node }, 'a publish answer for a job that does not exist: ignored');
      return undefined;
    }
  }

  /** `job` when the `job_published` may be stored into it; logs why not otherwise. */
  private answerable(node: string, frame: JobPublishedFrame, job: JobRecord, request: Request | undefined): JobRecord | undefined {
    // Unknown requests (made before a restart) are taken from the job's node for the job's branch only.
    const mine = request ? request.jobId === job.id && request.node === node : job.node === node && job.result?.change?.branch === frame.publication.branch;
    if (mine && FINAL_JOB_STATUSES.has(job.status)) return job;
    this.log.warn({ job: frame.jobId, node, requestId: frame.requestId }, 'a publish answer from a node that was not asked: ignored');
    return undefined;
  }

  /** The caller stops waiting; the request is still recognized when its answer comes. */
  private giveUp(request: Request, code: 'node_timeout' | 'node_unavailable', why: string): void {
    const { settle } = request;
    if (!settle) return;
    clearTimeout(settle.timer);
    delete request.settle;
    settle.reject(new CodedError(code, `${why}; its answer will still be stored with job ${request.jobId} when it comes (GET /api/jobs/${request.jobId} shows it)`));
    if (this.requests.size > REMEMBERED_LATE) this.forgetOldestLate();
  }

  private forgetOldestLate(): void {
    for (const [id, request] of this.requests) {
      if (request.settle === undefined) {
        this.requests.delete(id);
        return;
      }
    }
  }
}

/** The job and its change when it can be published; `conflict` saying why otherwise. */
function publishable(job: JobRecord): { job: PublishableJob; change: ChangeSummary & { branch: string } } {
  if (!FINAL_JOB_STATUSES.has(job.status)) throw new CodedError('conflict', `job ${job.id} is still ${job.status}; publish it once it has finished`);
  const change = job.result?.change;
  const branch = change?.headCommit === undefined ? undefined : change.branch;
  if (change === undefined || branch === undefined || job.repo === undefined || job.node === undefined) {
    const why = job.repo === undefined ? 'it ran without a repository' : change === undefined ? 'its node reported no change' : 'its node committed nothing';
    throw new CodedError('conflict', `job ${job.id} has no committed change to publish: ${why}`);
  }
  return { job: job as PublishableJob, change: change as ChangeSummary & { branch: string } };
}
