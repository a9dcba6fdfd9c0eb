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
  type JobSummary,
  type SequencedJobEvent,
} from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { JobService, JobUpdate } from '../jobs/index.js';
import type { SettingsService } from '../settings/index.js';
import type { JobRecord } from '../store/index.js';
import type { BridgeChannel, BridgeRequestFrame, Client } from '../hub/index.js';
import { answerFromChat, questionsForChat } from './bridge-questions.js';

/** What the hub offers the handler: sending to one client, and the connected nodes. */
export interface BridgeSink {
  send(client: Client, frame: Frame): void;
  nodes(): { name: string; status: 'online' | 'unresponsive'; tags: string[]; capabilities: { slots: number }; version?: string }[];
}

export interface BridgeRequestsOptions {
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
  /** At most one `job_update` per job per window; a final state is sent at once. */
  windowMs?: number;
}

/** Streaming deltas would flood a chat bridge; the finished message arrives as `agent_message`. */
const SKIPPED_EVENTS = new Set(['agent_message_delta']);
/** Diffs up to this many parts (256 KiB each) go to bridges, which attach small ones to the answer. */
const MAX_BRIDGE_DIFF_PARTS = 4;

/** What a chat needs of a job's events: no deltas, and a diff only when it is small enough to attach. */
function forBridges(e: SequencedJobEvent): boolean {
  if (e.event.kind === 'diff') return e.event.parts <= MAX_BRIDGE_DIFF_PARTS;
  return !SKIPPED_EVENTS.has(e.event.kind);
}
const MAX_EVENTS = 50;
const MAX_PROMPT = 500;
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

  constructor(
    private readonly sink: BridgeSink,
    private readonly jobs: Pick<JobService, 'create' | 'cancel' | 'get' | 'list' | 'runningOn' | 'subscribe' | 'queuedCount' | 'publisher' | 'questions'>,
    private readonly settings: Pick<SettingsService, 'get' | 'subscribe'>,
    private readonly options: BridgeRequestsOptions,
    private readonly log: Logger,
  ) {
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
        this.followers.set(frame.jobId, client.name);
        this.jobs.cancel(frame.jobId);
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
    const job = this.jobs.create({
      prompt: frame.prompt,
      ...(frame.node === undefined ? {} : { node: frame.node }),
      ...(frame.tags === undefined ? {} : { tags: frame.tags }),
      ...(repo === undefined ? {} : { repo: repoKey(repo) }),
      ...(frame.ref === undefined ? {} : { ref: frame.ref }),
      ...(frame.continueFrom === undefined ? {} : { continueFrom: frame.continueFrom }),
      origin: { ...frame.origin, bridge: client.name, requestId: frame.requestId },
    });
    this.remember(frame.requestId, job.id);
    this.followers.set(job.id, client.name);
    this.pending.delete(job.id);
    this.sendUpdate(client, this.jobs.get(job.id), [], frame.requestId);
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
    const nodes = this.sink.nodes().map((node) => ({
      name: node.name,
      status: node.status,
      tags: node.tags,
      slots: node.capabilities.slots,
      running: this.jobs.runningOn(node.name),
      ...(node.version === undefined ? {} : { version: node.version }),
    }));
    const queued = this.jobs.queuedCount();
    const active = nodes.reduce((sum, node) => sum + node.running.length, 0);
    return { master: { version: this.options.version, startedAt: this.options.startedAt.toISOString(), queued, active }, nodes };
  }

  private onJobUpdate({ job, events }: JobUpdate): void {
    if (!this.followers.has(job.id)) return;
    const entry = this.pending.get(job.id) ?? { job, events: [] };
    entry.job = job;
    entry.events.push(...events.filter(forBridges));
    this.pending.set(job.id, entry);
    if (FINAL_JOB_STATUSES.has(job.status)) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs ?? 250).unref();
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
    this.sink.send(client, { type: 'job_update', ...(requestId === undefined ? {} : { requestId }), job: summarize(job), events: events.slice(-MAX_EVENTS) });
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

/** A job without its log, and its prompt cut short: what a chat needs to show it. */
export function summarize(job: JobRecord): JobSummary {
  const optional = {
    node: job.node,
    repo: job.repo,
    continueFrom: job.continueFrom,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    result: job.result,
    questions: job.questions && questionsForChat(job.questions),
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return { id: job.id, status: job.status, prompt: job.prompt.slice(0, MAX_PROMPT), createdAt: job.createdAt, lastSeq: job.lastSeq, ...present };
}
