import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, type AgentRole, type JobProfile } from '../../protocol/index.js';
import type { IdempotencyKey, JobRecord } from '../store/index.js';
import type { JobRequest, JobUpdate } from './types.js';

/** What the pipeline needs of the job service. */
export interface PipelineJobs {
  create(request: JobRequest, idempotency?: IdempotencyKey): Promise<JobRecord>;
  subscribe(listener: (update: JobUpdate) => void): () => void;
  /** The unfinished jobs as stored (every master's): where a step this master did not see is found. */
  unfinishedStored(): Promise<readonly JobRecord[]>;
}

/** A step's prompt: its role's, the request as asked, and the previous step's answer. */
export function stepPrompt(role: AgentRole, request: string, previous?: { role: string; answer: string }): string {
  const parts = [role.prompt, `## Request\n\n${request}`];
  if (previous !== undefined) parts.push(`## The ${previous.role}'s answer\n\n${previous.answer || '(no answer)'}`);
  return parts.join('\n\n');
}

/** The request's profile with the role's model and effort for this step. */
function roleProfile(base: JobProfile, role: AgentRole): JobProfile {
  const profile = { ...base };
  if (role.model !== undefined) profile.model = role.model;
  if (role.reasoningEffort !== undefined) profile.reasoningEffort = role.reasoningEffort;
  return profile;
}

/**
 * `mode: multi`: the agents' pipeline (planner → coder → reviewer by default) as linked jobs. Each
 * step that succeeds makes the next, continuing from it (the same Codex thread, node and branch),
 * with the same origin, so its updates reach the chat that asked. A step that fails or is cancelled
 * ends the pipeline. Which job is a pipeline's current one is kept, so cancelling the pipeline's
 * first job (the one the requester knows) stops whichever step runs.
 */
export class Pipeline {
  /** A pipeline's id → the id of its latest step, while it runs. */
  private readonly current = new Map<number, number>();

  constructor(
    private readonly jobs: PipelineJobs,
    private readonly agents: readonly AgentRole[],
    private readonly log: Logger,
  ) {
    jobs.subscribe((update) => this.onUpdate(update));
  }

  /**
   * Makes the first step of a request (its `profile` already resolved), with the request's
   * `Idempotency-Key` if any: the first step is the job a repeat of the request gets.
   */
  async start(request: JobRequest, idempotency?: IdempotencyKey): Promise<JobRecord> {
    const [role] = this.agents;
    if (role === undefined) throw new Error('a pipeline needs at least one agent');
    const profile = request.profile ?? {};
    const pipeline = { role: role.name, step: 1, steps: this.agents.length, request: request.prompt, profile };
    return this.jobs.create({ ...request, prompt: stepPrompt(role, request.prompt), profile: roleProfile(profile, role), pipeline }, idempotency);
  }

  /** The job a cancel of this one should stop: a pipeline's running step for any earlier step of it. */
  async cancelTarget(job: JobRecord): Promise<number> {
    const pipeline = job.pipeline?.id;
    if (pipeline === undefined || !FINAL_JOB_STATUSES.has(job.status)) return job.id;
    const current = this.current.get(pipeline);
    if (current !== undefined) return current;
    // Its step runs on another master's node, or was made before this master started: the store knows.
    const step = (await this.jobs.unfinishedStored()).find((stored) => stored.pipeline?.id === pipeline);
    return step?.id ?? job.id;
  }

  private onUpdate({ job }: JobUpdate): void {
    const pipeline = job.pipeline;
    if (pipeline === undefined) return;
    if (!FINAL_JOB_STATUSES.has(job.status)) {
      this.current.set(pipeline.id, job.id);
      return;
    }
    this.current.delete(pipeline.id);
    if (job.status !== 'succeeded' || pipeline.step >= pipeline.steps) return;
    // After every listener has heard that this step ended: the next step's updates come after it.
    queueMicrotask(() => this.next(job));
  }

  /** Queues the step after `previous`; a create that fails is logged and ends the pipeline (nothing may reject unheard). */
  private next(previous: JobRecord): void {
    const pipeline = previous.pipeline;
    const role = pipeline && this.agents[pipeline.step];
    if (pipeline === undefined || role === undefined) return;
    const prompt = stepPrompt(role, pipeline.request, { role: pipeline.role, answer: previous.result?.finalMessage ?? '' });
    const request: JobRequest = {
      prompt,
      profile: roleProfile(pipeline.profile, role),
      continueFrom: previous.id,
      timeoutSec: previous.timeoutSec,
      pipeline: { ...pipeline, role: role.name, step: pipeline.step + 1 },
      origin: previous.origin,
    };
    if (previous.profileName !== undefined) request.profileName = previous.profileName;
    if (previous.attachments !== undefined) request.attachments = previous.attachments;
    if (previous.queueTimeoutSec !== undefined) request.queueTimeoutSec = previous.queueTimeoutSec;
    this.jobs.create(request).then(
      // Its own first update has made it the pipeline's current step (`onUpdate`).
      (made) => {
        this.log.info({ job: made.id, pipeline: pipeline.id, role: role.name, step: pipeline.step + 1 }, 'pipeline step queued');
      },
      (error: unknown) => {
        this.log.error({ err: error, pipeline: pipeline.id, after: previous.id }, "could not queue the pipeline's next step: the pipeline ends here");
      },
    );
  }
}
