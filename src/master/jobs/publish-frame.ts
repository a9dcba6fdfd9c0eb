import type { ChangeSummary, JobPublishFrame, PublishMode } from '../../protocol/index.js';
import type { JobRecord } from '../store/index.js';

const MAX_TITLE = 72;
/** The frame allows 64 KiB; the stat and the footer need some of it. */
const MAX_MESSAGE = 60_000;
const MAX_LISTED_FILES = 50;

/** A job that can be published: it ended with a committed change on a branch of its repository. */
export interface PublishableJob extends JobRecord {
  repo: string;
  node: string;
}

/** The pull request's title: the prompt's first line, at most 72 characters. */
export function pullRequestTitle(prompt: string): string {
  const line = prompt.trim().split('\n', 1)[0]?.trim() ?? '';
  return line.length <= MAX_TITLE ? line : `${line.slice(0, MAX_TITLE - 1)}…`;
}

/** The pull request's body: Codex's final message, the diff stat, and which job made it. */
export function pullRequestBody(job: JobRecord, change: ChangeSummary): string {
  const message = job.result?.finalMessage?.trim() ?? '';
  const files = change.files.slice(0, MAX_LISTED_FILES).map((f) => `- ${f.oldPath === undefined ? '' : `${f.oldPath} → `}${f.path}${f.binary ? ' (binary)' : ` (+${f.added} −${f.removed})`}`);
  if (change.files.length > MAX_LISTED_FILES) files.push(`- … and ${change.files.length - MAX_LISTED_FILES} more`);
  const stat = `${change.files.length} file${change.files.length === 1 ? '' : 's'} changed, +${change.added} −${change.removed}`;
  const parts = [message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE)}…`, `${stat}\n${files.join('\n')}`, `Job #${job.id}`];
  return parts.filter((part) => part !== '').join('\n\n');
}

/** What the job's node is asked to do; `base` is the job's ref (absent: the repository's default branch). */
export function publishFrame(job: PublishableJob, change: ChangeSummary & { branch: string }, mode: PublishMode, requestId: string): JobPublishFrame {
  const frame: JobPublishFrame = {
    type: 'job_publish',
    requestId,
    jobId: job.id,
    mode,
    repo: job.repo,
    branch: change.branch,
    title: pullRequestTitle(job.prompt),
    body: pullRequestBody(job, change),
  };
  // A pull request's base is a branch: a job started from a commit gets the default branch.
  if (job.ref !== undefined && !/^[0-9a-f]{40}$/.test(job.ref)) frame.base = job.ref;
  return frame;
}
