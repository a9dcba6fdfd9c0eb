import { join } from 'node:path';
import type { Logger } from '../log/index.js';
import type { ChangeSummary, JobEvent, JobResult, JobSpec, Publication } from '../protocol/index.js';
import type { CapturedChange } from './change-capture.js';
import { commitMessage, promptSummary, pullRequestBody } from './change-text.js';
import type { JobFiles } from './executor.js';
import { INBOX_DIR, JobInbox, OUTBOX_DIR } from './job-inbox.js';
import { clearJobFiles, sendOutbox } from './job-outbox.js';
import type { Publisher, PublishRequest } from './publisher.js';
import type { Workspace, Workspaces } from './workspaces.js';

/** How a run gets its files in and sends them out. */
export interface FileRun {
  /** Absent: the job has no files to wait for. */
  inbox: JobInbox | undefined;
  signal: AbortSignal;
  emit: (event: JobEvent) => void;
  /** The current frame budget, which a reconnect may change meanwhile. */
  frameBytes: () => number;
}

/**
 * A job's work before and after its executor runs: the workspace it runs in, its files, then its change
 * (committed, sent as `diff` events, in the result) and, when its profile asks, the change
 * published, all before its `finished` event.
 */
export class JobWork {
  constructor(
    private readonly workspaces: Workspaces,
    private readonly publisher: Publisher,
    private readonly log: Logger,
    /** How long a job waits for the next part of its files (`DEFAULT_ATTACHMENT_WAIT_MS`). */
    private readonly attachmentWaitMs?: number,
  ) {}

  /** Collects the job's files as they come, or undefined when it has none. */
  inbox(spec: JobSpec): JobInbox | undefined {
    const attachments = spec.attachments ?? [];
    return attachments.length === 0 ? undefined : new JobInbox(attachments, this.attachmentWaitMs);
  }

  /**
   * Runs `run` with the job's files in `<cwd>/.csc/inbox/` (it does not run when one never comes or
   * arrives damaged: the job fails, naming it), then sends what it left in `.csc/outbox/`, and
   * clears both, so that the change recorded next has neither.
   */
  async withFiles(cwd: string, { inbox, signal, emit, frameBytes }: FileRun, run: (files: JobFiles) => Promise<JobResult>): Promise<JobResult> {
    this.clearFiles(cwd);
    try {
      const files: JobFiles = { inboxDir: join(cwd, INBOX_DIR), inbox: [], outboxDir: join(cwd, OUTBOX_DIR) };
      try {
        if (inbox) files.inbox = await inbox.receive(cwd, signal);
      } catch (error) {
        const status = signal.aborted ? 'cancelled' : 'failed';
        return { status, filesChanged: [], commands: [], durationMs: 0, error: signal.aborted ? "cancelled while the job's files were arriving" : messageOf(error) };
      }
      const result = await run(files);
      this.sendFiles(cwd, frameBytes(), emit);
      return result;
    } finally {
      this.clearFiles(cwd);
    }
  }

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

  private sendFiles(cwd: string, frameBytes: number, emit: (event: JobEvent) => void): void {
    try {
      sendOutbox(cwd, frameBytes, emit);
    } catch (error) {
      this.log.warn({ err: messageOf(error) }, "could not send the job's outbox files");
      emit({ kind: 'error', message: `the node could not send the files in ${OUTBOX_DIR}: ${messageOf(error)}` });
    }
  }

  private clearFiles(cwd: string): void {
    try {
      clearJobFiles(cwd);
    } catch (error) {
      this.log.warn({ err: messageOf(error), cwd }, "could not remove the job's inbox and outbox");
    }
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
