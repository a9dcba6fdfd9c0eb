import type { Logger } from '../log/index.js';
import type { ChangeSummary, JobEvent, JobResult, JobSpec, Publication } from '../protocol/index.js';
import type { CapturedChange } from './change-capture.js';
import { commitMessage, promptSummary, pullRequestBody } from './change-text.js';
import type { Publisher, PublishRequest } from './publisher.js';
import type { Workspace, Workspaces } from './workspaces.js';

/**
 * A job's work before and after its executor runs: the workspace it runs in, then its change
 * (committed, sent as `diff` events, in the result) and, when its profile asks, the change
 * published, all before its `finished` event.
 */
export class JobWork {
  constructor(
    private readonly workspaces: Workspaces,
    private readonly publisher: Publisher,
    private readonly log: Logger,
  ) {}

  prepare(spec: JobSpec): Promise<Workspace> {
    return this.workspaces.prepare(spec);
  }

  /** For a copy that is no longer the job: its worktree goes, nothing is committed. */
  async discard(workspace: Workspace): Promise<void> {
    try {
      await this.workspaces.release(workspace);
    } catch (error) {
      this.log.warn({ err: messageOf(error) }, 'could not remove the worktree of a stopped job copy');
    }
  }

  /** The result with the job's change and publication. Never throws: a failure is an `error` event, and the result stays as it was. */
  async finish(spec: JobSpec, workspace: Workspace, result: JobResult, emit: (event: JobEvent) => void): Promise<JobResult> {
    let captured: CapturedChange | undefined;
    try {
      captured = await this.workspaces.capture(workspace, commitMessage(spec, result));
    } catch (error) {
      this.log.error({ job: spec.id, err: messageOf(error) }, "could not record the job's change");
      emit({ kind: 'error', message: `the node could not record the job's change: ${messageOf(error)}` });
      return result;
    }
    if (captured === undefined) return result;
    const { change, parts } = captured;
    parts.forEach((text, i) => emit({ kind: 'diff', part: i + 1, parts: parts.length, text }));
    const withChange: JobResult = { ...result, change };
    const { publish: mode } = spec.profile;
    const { repo } = spec;
    const { branch } = change;
    if (mode === undefined || repo === undefined || branch === undefined) return withChange;
    return { ...withChange, publication: await this.publish(spec, result, change, { mode, repo, branch }) };
  }

  /** A `job_publish` from the master (the branch is in the cache, the worktree long gone). */
  async publishLater(jobId: number, request: PublishRequest): Promise<Publication> {
    return this.logged(jobId, await this.publisher.publish(request));
  }

  private async publish(spec: JobSpec, result: JobResult, change: ChangeSummary, target: Pick<PublishRequest, 'mode' | 'repo' | 'branch'>): Promise<Publication> {
    const { mode, branch } = target;
    // A failed or cancelled job's work is half done: a person publishes it afterwards, if at all.
    if (result.status !== 'succeeded') {
      return this.logged(spec.id, { mode, branch, error: `not published: the job ended ${result.status} (publish it afterwards if it is worth it)` });
    }
    // A first job that changed nothing has only its base to push; a follow-up's branch has earlier commits.
    if (change.headCommit === undefined && spec.branch === undefined) {
      return this.logged(spec.id, { mode, branch, error: 'nothing to publish: the job changed no files' });
    }
    const request: PublishRequest = {
      ...target,
      base: spec.ref,
      title: promptSummary(spec.prompt) || `Job #${spec.id}`,
      body: pullRequestBody(spec.id, result.finalMessage, change),
    };
    return this.logged(spec.id, await this.publisher.publish(request));
  }

  private logged(jobId: number, publication: Publication): Publication {
    const { branch, pullRequest, error } = publication;
    if (error === undefined) this.log.info({ job: jobId, branch, pullRequest: pullRequest?.url }, `job ${jobId}: published ${branch}`);
    else this.log.warn({ job: jobId, branch, err: error }, `job ${jobId}: could not publish ${branch}`);
    return publication;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
