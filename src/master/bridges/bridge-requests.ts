import type { Logger } from '../../log/index.js';
import {
  FINAL_JOB_STATUSES,
  isSafeRef,
  parseRepoSpec,
  repoKey,
  type ErrorCode,
  type Frame,
  type JobPublishRequestFrame,
  type JobSubmitFrame,
  type SequencedJobEvent,
} from '../../protocol/index.js';
import type { Uploads } from '../attachments/index.js';
import { CodedError } from '../coded-error.js';
import type { JobIntake, JobService, JobUpdate } from '../jobs/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { SettingsService } from '../settings/index.js';
import type { JobRecord } from '../store/index.js';
import type { BridgeChannel, BridgeRequestFrame, Client } from '../hub/index.js';
import type { UsageService } from '../usage/index.js';
import { answerFromChat } from './bridge-questions.js';
import { MAX_UPDATE_FILE_PARTS, fileParts, forBridges, nodeSummary, summarize, trimmed, type ListedNode } from './bridge-view.js';
import { usageFor } from './bridge-usage.js';

/** What the hub offers the handler: sending to one client, and the connected nodes. */
export interface BridgeSink {
  send(client: Client, frame: Frame): void;
  nodes(): ListedNode[];
}

/** The job layer as bridges use it. */
export interface BridgeJobs {
  jobs: Pick<JobService, 'get' | 'list' | 'runningOn' | 'subscribe' | 'queuedCount' | 'publisher' | 'questions'>;
  intake: Pick<JobIntake, 'create' | 'cancel'>;
  profiles: Pick<ProfileService, 'list'>;
  usage: Pick<UsageService, 'report' | 'today'>;
  uploads: Pick<Uploads, 'receive' | 'drop'>;
}

export interface BridgeRequestsOptions {
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
  /** At most one `job_update` per job per window; a final state is sent at once. */
  windowMs?: number;
}

const REMEMBERED_REQUESTS = 1000;

/**
 * Jobs and status for chat bridges over the WebSocket (they hold the bridge credential, not the admin
 * token): submit, cancel, follow, status, answers to Codex's questions, and the dashboard's bridge
 * settings. A job's updates go to the bridge (by name) that submitted or follows it, coalesced per
 * job, so a bridge that reconnects and re-follows its jobs misses nothing but intermediate states.
 */
export class BridgeRequests implements BridgeChannel {
  private readonly bridges = new Map<string, Client>();
  private readonly followers = new Map<number, string>();
  private readonly pending = new Map<number, { job: JobRecord; events: SequencedJobEvent[] }>();
  private readonly submitted = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly jobs: BridgeJobs['jobs'];

  constructor(
    private readonly sink: BridgeSink,
    private readonly services: BridgeJobs,
    private readonly settings: Pick<SettingsService, 'get' | 'subscribe'>,
    private readonly options: BridgeRequestsOptions,
    private readonly log: Logger,
  ) {
    this.jobs = services.jobs;
    const jobs = this.jobs;
    // A submit stored just before a restart is recognized when its bridge resends it afterwards.
    for (const job of jobs.list({ limit: REMEMBERED_REQUESTS }).reverse()) {
      if (typeof job.origin.requestId === 'string') this.remember(job.origin.requestId, job.id);
    }
    jobs.subscribe((update) => this.onJobUpdate(update));
    settings.subscribe(() => {
      for (const client of this.bridges.values()) this.sendConfig(client);
    });
  }

  bridgeReady(client: Client): void {
    this.bridges.set(client.name, client);
    this.sendConfig(client);
    // A bridge that restarted has forgotten the jobs it follows: those waiting for an answer are shown again.
    for (const job of this.jobs.questions.waitingJobs()) {
      if (job.origin.bridge !== client.name && this.followers.get(job.id) !== client.name) continue;
      this.followers.set(job.id, client.name);
      this.sendUpdate(client, job, []);
    }
  }

  bridgeGone(client: Client): void {
    this.services.uploads.drop(client.id);
    if (this.bridges.get(client.name) === client) this.bridges.delete(client.name);
  }

  request(client: Client, frame: BridgeRequestFrame): void {
    if (client.role !== 'bridge' || !client.greeted) {
      this.fail(client, new CodedError('unexpected_frame', `${frame.type} frames come from bridges that said hello`), frame);
      return;
    }
    try {
      this.handle(client, frame);
    } catch (error) {
      this.fail(client, error, frame);
    }
  }

  private handle(client: Client, frame: BridgeRequestFrame): void {
    switch (frame.type) {
      case 'job_submit':
        return this.submit(client, frame);
      case 'job_cancel_request':
        this.followers.set(this.services.intake.cancel(frame.jobId).id, client.name);
        return;
      case 'status_request':
        return this.sink.send(client, { type: 'status', ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }), ...this.status() });
      case 'job_follow':
        return this.follow(client, frame.jobIds);
      case 'job_publish_request':
        return this.publish(client, frame);
      case 'question_answer': {
        const result = answerFromChat(this.jobs, frame);
        // The chat that answered hears how its job goes on (and its question's state), whichever bridge submitted it.
        if (result.outcome === 'answered') this.followers.set(frame.jobId, client.name);
        return this.sink.send(client, result);
      }
      case 'attachment_upload': {
        const attachment = this.services.uploads.receive(client.id, frame);
        return attachment && this.sink.send(client, { type: 'attachment_stored', requestId: frame.requestId, attachment });
      }
      case 'usage_request':
        return this.sink.send(client, usageFor(this.services.usage, frame));
    }
  }

  /**
   * `/pr` in a chat thread: answered by the job's update carrying the publication (with the
   * request's id), or an `error`. After a timeout the bridge follows the job, so that the
   * node's late answer, which is still stored, reaches the thread too.
   */
  private publish(client: Client, frame: JobPublishRequestFrame): void {
    this.jobs.publisher.publish(frame.jobId, frame.mode).then(
      (job) => this.sendUpdate(this.bridges.get(client.name) ?? client, job, [], frame.requestId),
      (error: unknown) => {
        if (error instanceof CodedError && (error.code === 'node_timeout' || error.code === 'node_unavailable')) this.followers.set(frame.jobId, client.name);
        this.fail(this.bridges.get(client.name) ?? client, error, frame);
      },
    );
  }

  private submit(client: Client, frame: JobSubmitFrame): void {
    // A bridge resends a submit it got no answer to after a reconnect: answer it, do not run it twice.
    const known = this.madeFor(frame.requestId);
    if (known) return this.sendUpdate(client, known, [], frame.requestId);
    const repo = frame.repo === undefined ? undefined : parseRepoSpec(frame.repo, { allowLocal: this.options.allowLocalRepos });
    if (repo && 'error' in repo) throw new CodedError('bad_request', repo.error);
    if (frame.ref !== undefined && !isSafeRef(frame.ref)) throw new CodedError('bad_request', `"${frame.ref}" is not a branch, tag or commit name`);
    const job = this.services.intake.create({
      prompt: frame.prompt,
      ...(frame.node === undefined ? {} : { node: frame.node }),
      ...(frame.tags === undefined ? {} : { tags: frame.tags }),
      ...(repo === undefined ? {} : { repo: repoKey(repo) }),
      ...(frame.ref === undefined ? {} : { ref: frame.ref }),
      ...(frame.continueFrom === undefined || !this.stillStored(frame.continueFrom) ? {} : { continueFrom: frame.continueFrom }),
      ...(frame.profileName === undefined ? {} : { profileName: frame.profileName }),
      ...(frame.mode === undefined ? {} : { mode: frame.mode }),
      ...(frame.attachments === undefined ? {} : { attachments: frame.attachments }),
      origin: { ...frame.origin, bridge: client.name, requestId: frame.requestId },
    });
    this.remember(frame.requestId, job.id);
    this.followers.set(job.id, client.name);
    this.pending.delete(job.id);
    this.sendUpdate(client, this.jobs.get(job.id), [], frame.requestId);
  }

  /**
   * Whether a chat thread's last job is still stored. Retention (`MASTER_RETENTION_DAYS`) prunes
   * the last job of a thread left quiet long enough: its next request starts a new Codex
   * conversation, rather than failing for a job that is gone, as every request would from then on.
   */
  private stillStored(id: number): boolean {
    try {
      this.jobs.get(id);
      return true;
    } catch (error) {
      if (error instanceof CodedError && error.code === 'not_found') return false;
      throw error;
    }
  }

  private follow(client: Client, jobIds: number[]): void {
    for (const id of jobIds) {
      let job: JobRecord;
      try {
        job = this.jobs.get(id);
      } catch (error) {
        this.fail(client, error, { type: 'job_follow' });
        continue;
      }
      if (!FINAL_JOB_STATUSES.has(job.status)) this.followers.set(id, client.name);
      this.sendUpdate(client, job, []);
    }
  }

  private status() {
    const nodes = this.sink.nodes().map((node) => nodeSummary(node, this.jobs.runningOn(node.name)));
    const queued = this.jobs.queuedCount();
    const active = nodes.reduce((sum, node) => sum + node.running.length, 0);
    const master = { version: this.options.version, startedAt: this.options.startedAt.toISOString(), queued, active };
    return { master, nodes, profiles: this.services.profiles.list() };
  }

  private onJobUpdate({ job, events }: JobUpdate): void {
    if (!this.followers.has(job.id) && !this.adopt(job)) return;
    const entry = this.pending.get(job.id) ?? { job, events: [] };
    entry.job = job;
    entry.events.push(...events.filter(forBridges));
    this.pending.set(job.id, entry);
    // Outbox files go in frames of bounded size, while the job still runs (they come before its end).
    if (FINAL_JOB_STATUSES.has(job.status) || fileParts(entry.events) >= MAX_UPDATE_FILE_PARTS) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs ?? 250).unref();
  }

  /** A pipeline's later step is followed by the bridge its request came from: the chat hears every step. */
  private adopt(job: JobRecord): boolean {
    const bridge = job.origin.bridge;
    if (job.pipeline === undefined || job.pipeline.step === 1 || typeof bridge !== 'string') return false;
    this.followers.set(job.id, bridge);
    return true;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [id, { job, events }] of this.pending) {
      const name = this.followers.get(id);
      const client = name === undefined ? undefined : this.bridges.get(name);
      if (client) this.sendUpdate(client, job, events);
      if (FINAL_JOB_STATUSES.has(job.status)) this.followers.delete(id);
    }
    this.pending.clear();
  }

  private sendUpdate(client: Client, job: JobRecord, events: SequencedJobEvent[], requestId?: string): void {
    this.sink.send(client, { type: 'job_update', ...(requestId === undefined ? {} : { requestId }), job: summarize(job), events: trimmed(events) });
  }

  private sendConfig(client: Client): void {
    const { settings, savedAt } = this.settings.get();
    this.sink.send(client, { type: 'bridge_config', settings: { slack: settings.slack, telegram: settings.telegram }, savedAt });
  }

  /**
   * The job made for a request, if it is still that job. A commit that failed (disk full) took
   * the job back, and SQLite may have given its id to another since: the stored origin says whose.
   */
  private madeFor(requestId: string): JobRecord | undefined {
    const id = this.submitted.get(requestId);
    if (id === undefined) return undefined;
    try {
      const job = this.jobs.get(id);
      if (job.origin.requestId === requestId) return job;
    } catch (error) {
      if (!(error instanceof CodedError && error.code === 'not_found')) throw error;
    }
    this.submitted.delete(requestId);
    return undefined;
  }

  private remember(requestId: string, jobId: number): void {
    this.submitted.set(requestId, jobId);
    if (this.submitted.size > REMEMBERED_REQUESTS) {
      const oldest = this.submitted.keys().next().value;
      if (oldest !== undefined) this.submitted.delete(oldest);
    }
  }

  private fail(client: Client, error: unknown, frame: { type: string; requestId?: string }): void {
    const code: ErrorCode = error instanceof CodedError ? error.code : 'internal';
    if (code === 'internal') this.log.error({ err: error, ref: frame.type }, 'bridge request failed');
    const message = error instanceof Error ? error.message : String(error);
    this.sink.send(client, { type: 'error', code, message, ref: frame.type, ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }) });
  }
}
