import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, type ErrorCode, type Frame, type JobPublishRequestFrame, type JobSubmitFrame, type SequencedJobEvent } from '../../protocol/index.js';
import type { Uploads } from '../attachments/index.js';
import { CodedError } from '../coded-error.js';
import type { JobIntake, JobService, JobUpdate } from '../jobs/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { SettingsService } from '../settings/index.js';
import type { JobRecord } from '../store/index.js';
import type { BridgeChannel, BridgeRequestFrame, Client } from '../hub/index.js';
import type { UsageService } from '../usage/index.js';
import { answerFromChat } from './bridge-questions.js';
import { BridgeSubmits } from './bridge-submits.js';
import { MAX_UPDATE_FILE_PARTS, fileParts, forBridges, nodeSummary, summarize, trimmed, type ListedNode } from './bridge-view.js';
import { usageFor } from './bridge-usage.js';

/** What the hub offers the handler: sending to one client, and the connected nodes (every master's, see `ListedNode.running`). */
export interface BridgeSink {
  send(client: Client, frame: Frame): void;
  nodes(): ListedNode[];
}

/** The job layer as bridges use it. */
export interface BridgeJobs {
  jobs: Pick<JobService, 'get' | 'active' | 'list' | 'runningOn' | 'watch' | 'wantedFrom' | 'queuedCount' | 'publisher' | 'questions'>;
  intake: Pick<JobIntake, 'createOnce' | 'cancel'>;
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

/**
 * Jobs and status for chat bridges over the WebSocket (they hold the bridge credential, not the admin
 * token): submit, cancel, follow, status, answers to Codex's questions, and the dashboard's bridge
 * settings. A job's updates go to the bridge (by name) that submitted or follows it, coalesced per
 * job, so a bridge that reconnects and re-follows its jobs misses nothing but intermediate states.
 * Requests that read the store are answered once it has answered: every failure becomes the
 * bridge's `error` frame, none is left unhandled.
 */
export class BridgeRequests implements BridgeChannel {
  private readonly bridges = new Map<string, Client>();
  private readonly followers = new Map<number, string>();
  private readonly pending = new Map<number, { job: JobRecord; events: SequencedJobEvent[] }>();
  private readonly submits: BridgeSubmits;
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
    this.submits = new BridgeSubmits(this.jobs, services.intake, options.allowLocalRepos, (job, client, created) => this.submitted(job, client, created));
    // Every job's updates: a job a bridge follows may run on a node of another master (its events
    // are read back for it). A pipeline's later step is a new job, which every master reads once.
    this.jobs.watch(
      (update) => this.onJobUpdate(update),
      (id) => (this.followers.has(id) ? 'events' : undefined),
    );
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
    this.handle(client, frame).catch((error: unknown) => this.fail(client, error, frame));
  }

  private async handle(client: Client, frame: BridgeRequestFrame): Promise<void> {
    switch (frame.type) {
      case 'job_submit':
        return this.submit(client, frame);
      case 'job_cancel_request':
        this.followers.set((await this.services.intake.cancel(frame.jobId)).id, client.name);
        return;
      case 'status_request':
        return this.sink.send(client, { type: 'status', ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }), ...(await this.status()) });
      case 'job_follow':
        return this.follow(client, frame.jobIds);
      case 'job_publish_request':
        return this.publish(client, frame);
      case 'question_answer': {
        const result = await answerFromChat(this.jobs, frame);
        // The chat that answered hears how its job goes on (and its question's state), whichever bridge submitted it.
        if (result.outcome === 'answered') this.followers.set(frame.jobId, client.name);
        return this.sink.send(client, result);
      }
      case 'attachment_upload': {
        const attachment = await this.services.uploads.receive(client.id, frame);
        return attachment && this.sink.send(client, { type: 'attachment_stored', requestId: frame.requestId, attachment });
      }
      case 'usage_request':
        return this.sink.send(client, await usageFor(this.services.usage, frame));
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

  /**
   * A bridge's submit made a job (or an earlier send of it did): its updates go to that bridge,
   * from the answer to the submit on (which shows a new job as it is, so nothing before it is owed).
   */
  private submitted(job: JobRecord, client: Client, created: boolean): void {
    this.followers.set(job.id, client.name);
    if (created) this.pending.delete(job.id);
  }

  private async submit(client: Client, frame: JobSubmitFrame): Promise<void> {
    const job = await this.submits.submit(client, frame);
    // From memory: the job as it is now (a node may have taken it), unless it has ended already.
    this.sendUpdate(client, this.jobs.active(job.id) ?? job, [], frame.requestId);
  }

  private async follow(client: Client, jobIds: number[]): Promise<void> {
    const jobs = await Promise.all(
      jobIds.map((id) =>
        this.jobs.get(id).catch((error: unknown) => {
          this.fail(client, error, { type: 'job_follow' });
          return undefined;
        }),
      ),
    );
    for (const read of jobs) {
      if (read === undefined) continue;
      // From memory once read: an update that came meanwhile is not sent older than it was.
      const job = this.jobs.active(read.id) ?? read;
      if (!FINAL_JOB_STATUSES.has(job.status)) {
        this.followers.set(job.id, client.name);
        this.jobs.wantedFrom(job.id, job.lastSeq);
      }
      this.sendUpdate(client, job, []);
    }
  }

  private async status() {
    const nodes = this.sink.nodes().map((node) => nodeSummary(node, node.running ?? this.jobs.runningOn(node.name)));
    const queued = this.jobs.queuedCount();
    const active = nodes.reduce((sum, node) => sum + node.running.length, 0);
    const master = { version: this.options.version, startedAt: this.options.startedAt.toISOString(), queued, active };
    return { master, nodes, profiles: await this.services.profiles.list() };
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

  /** Answers a request that failed with an `error` frame; never throws (it ends every request's promise). */
  private fail(client: Client, error: unknown, frame: { type: string; requestId?: string }): void {
    const code: ErrorCode = error instanceof CodedError ? error.code : 'internal';
    if (code === 'internal') this.log.error({ err: error, ref: frame.type }, 'bridge request failed');
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.sink.send(client, { type: 'error', code, message, ref: frame.type, ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }) });
    } catch (sendError) {
      this.log.error({ err: sendError, ref: frame.type }, 'could not answer a bridge request that failed');
    }
  }
}
