import { diffFile, DiffParts } from './diff-parts.js';
import { finalLine, lastActivity, progressText, resultText, stepLabel } from './format.js';
import { OutboxFiles } from './outbox-files.js';
import type { Logger } from '../log/index.js';
import type { ProgressMessage } from './progress.js';
import type { ChatContext } from './router.js';
import type { ChatFile, ChatJobUpdate, JobSummary, ReplyTarget } from './types.js';

const STEP_ICON: Partial<Record<JobSummary['status'], string>> = { succeeded: '✅', failed: '❌', cancelled: '🛑', lost: '⚠️' };

/**
 * A request the engine started, and where its progress and result go. A `/mode multi` request
 * is several jobs (planner → coder → reviewer, each `JobSummary.pipeline`): they share this one
 * progress message, and the answer is the last step's, with every step's outcome above it.
 */
export class TrackedRequest {
  /** What the current job did last. */
  private activity: string | undefined;
  /** The finished steps of a pipeline before the current one. */
  private readonly steps: JobSummary[] = [];
  /** Each job's diff: a pipeline's change may come from any of its steps. */
  private readonly diffs = new Map<number, DiffParts>();
  private readonly outbox = new OutboxFiles();

  constructor(
    readonly ctx: ChatContext,
    readonly progress: ProgressMessage,
    /** The job running now (a pipeline's current step). */
    public jobId: number,
    /** False after `/new`: the job's conversation is not continued. */
    public keep: boolean,
  ) {}

  /** Takes a job's update: what it did last, its diff and outbox parts. */
  absorb({ job, events }: ChatJobUpdate): void {
    this.activity = lastActivity(events) ?? this.activity;
    let diff = this.diffs.get(job.id);
    if (!diff) this.diffs.set(job.id, (diff = new DiffParts()));
    diff.add(events);
    this.outbox.add(events);
  }

  /** True for a pipeline step that succeeded with more to come: the request goes on with the next step's job. */
  continues(job: JobSummary): boolean {
    const step = job.pipeline;
    return step !== undefined && job.status === 'succeeded' && step.step < step.steps;
  }

  /** A step that succeeded: shown as done until the next step's job reports. */
  stepDone(job: JobSummary): void {
    this.steps.push(job);
    this.activity = undefined;
    const { t, output } = this.ctx;
    const step = job.pipeline;
    if (step) this.progress.update(output.markup.bold(`✅ ${t.pipeline.stepDone(step.step, step.steps, t.pipeline.roles[step.role] ?? step.role, job.id)}`));
  }

  /** Shows a job that has not finished. */
  showProgress(job: JobSummary): void {
    this.progress.update(progressText(this.ctx.t, this.ctx.output.markup, job, this.activity));
  }

  /** The last line of the progress message once the request has ended. */
  finalLine(job: JobSummary): string {
    return finalLine(this.ctx.t, this.ctx.output.markup, job);
  }

  /** The answer: a pipeline's steps, then the last job's result (the reviewer's verdict). */
  resultText(job: JobSummary, link: string | undefined): string {
    const { t, output } = this.ctx;
    if (job.pipeline === undefined) return resultText(t, output.markup, job, link);
    const steps = [...this.steps, job].map((s) => (s.pipeline ? `${stepLabel(t, s.pipeline)} #${s.id} ${STEP_ICON[s.status] ?? s.status}` : `#${s.id}`));
    const verdict = job.status === 'succeeded' && job.pipeline.step === job.pipeline.steps ? [output.markup.bold(t.pipeline.verdict(t.pipeline.roles[job.pipeline.role] ?? job.pipeline.role))] : [];
    return resultText(t, output.markup, job, link, [output.markup.escape(t.pipeline.steps(steps.join(' → '))), ...verdict]);
  }

  /** The files sent after the answer: the change's diff (the last step's that has one) and the outbox files. */
  files(job: JobSummary): ChatFile[] {
    const { t } = this.ctx;
    const diff = [job, ...[...this.steps].reverse()].map((j) => diffFile(t, j, this.diffs.get(j.id) ?? new DiffParts())).find((file) => file !== undefined);
    return [...(diff ? [diff] : []), ...this.outbox.whole(t.job.outboxCaption(job.id))];
  }

  /** Sends the files after the answer, where the platform takes files; a failed one is logged. */
  async sendFiles(to: ReplyTarget, job: JobSummary, log: Logger): Promise<void> {
    const { output } = this.ctx;
    if (!output.sendFile) return;
    for (const file of this.files(job)) {
      await output.sendFile(to, file).catch((error: unknown) => log.warn({ err: error, job: job.id, file: file.name }, 'could not send a file'));
    }
  }
}

/**
 * The requests being tracked, by the id of their current job; a pipeline's also by its first
 * job's id, so that each next step's job (a new id) finds its request.
 */
export class Requests {
  private readonly byJob = new Map<number, TrackedRequest>();
  private readonly pipelines = new Map<number, TrackedRequest>();

  add(ctx: ChatContext, progress: ProgressMessage, jobId: number, keep: boolean): void {
    this.byJob.set(jobId, new TrackedRequest(ctx, progress, jobId, keep));
  }

  get(jobId: number): TrackedRequest | undefined {
    return this.byJob.get(jobId);
  }

  /** The request a job's update belongs to; a pipeline's next step becomes its current job (`stepped` is told). */
  of(job: JobSummary, stepped: (request: TrackedRequest, from: number) => void): TrackedRequest | undefined {
    const pipeline = job.pipeline?.id;
    let request = this.byJob.get(job.id);
    if (!request && pipeline !== undefined && pipeline !== job.id) {
      request = this.pipelines.get(pipeline);
      if (request) {
        stepped(request, request.jobId);
        request.jobId = job.id;
        this.byJob.set(job.id, request);
      }
    }
    if (request && pipeline !== undefined) this.pipelines.set(pipeline, request);
    return request;
  }

  /** A job ended: forgotten; true when it is a pipeline step with more to come (the request goes on). */
  ended(job: JobSummary, request: TrackedRequest): boolean {
    this.byJob.delete(job.id);
    if (request.continues(job)) return true;
    if (job.pipeline) this.pipelines.delete(job.pipeline.id);
    return false;
  }
}
