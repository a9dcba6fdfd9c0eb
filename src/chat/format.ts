import type { ChangeSummary, PipelineStep } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import type { Markup } from './markup.js';
import { clipLine } from './text-cut.js';
import type { JobSummary, Publication, SequencedJobEvent } from './types.js';

type JobResultFile = NonNullable<JobSummary['result']>['filesChanged'][number];

const STATUS_ICON: Record<JobSummary['status'], string> = {
  queued: '⏳',
  assigned: '⏳',
  running: '⚙️',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🛑',
  lost: '⚠️',
};

const MAX_ACTIVITY = 200;
/** Files listed in a result; the dashboard lists them all. */
const MAX_FILES = 30;

/** What the job did last, for the progress message: a command, or the start of a message (Codex's own words, not ours). */
export function lastActivity(events: readonly SequencedJobEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]?.event;
    if (event?.kind === 'command_started' || event?.kind === 'command_finished') return `$ ${event.command}`;
    if (event?.kind === 'agent_message') return event.text;
    if (event?.kind === 'file_change') return `✎ ${event.changes.map((c) => c.path).join(', ')}`;
  }
  return undefined;
}

/** "2.5 s" / "2.5초". */
export function seconds(t: Catalog, ms: number): string {
  return t.seconds(ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));
}

/** "2/3 coder" of a pipeline's step, its role in the reader's words where it is one of the usual three. */
export function stepLabel(t: Catalog, step: PipelineStep): string {
  return t.pipeline.step(step.step, step.steps, t.pipeline.roles[step.role] ?? step.role);
}

/** The progress message of a job that has not finished; a pipeline's step says which it is ("2/3 coder"). */
export function progressText(t: Catalog, markup: Markup, job: JobSummary, activity: string | undefined, now = Date.now()): string {
  const since = job.startedAt === undefined ? '' : ` · ${seconds(t, now - Date.parse(job.startedAt))}`;
  const step = job.pipeline === undefined ? '' : `${stepLabel(t, job.pipeline)}: `;
  const head = markup.bold(`${STATUS_ICON[job.status]} ${step}${t.job.state(job.id, t.states[job.status], job.node)}`) + markup.escape(since);
  const pending = job.questions?.filter((q) => q.status === 'pending').length ?? 0;
  const waiting = pending === 0 ? '' : `\n${markup.escape(t.job.waitingAnswers(pending))}`;
  return activity === undefined ? head + waiting : `${head}\n${markup.code(clipLine(activity, MAX_ACTIVITY))}${waiting}`;
}

/** The one-line state a finished job's progress message ends with. */
export function finalLine(t: Catalog, markup: Markup, job: JobSummary): string {
  return markup.bold(`${STATUS_ICON[job.status]} ${t.job.state(job.id, t.states[job.status], job.node)}`);
}

/**
 * The result message: final answer, the change (or the files Codex reported), where it was
 * published, and the job's dashboard link; `intro` (formatted lines) goes between the head and the answer.
 */
export function resultText(t: Catalog, markup: Markup, job: JobSummary, link: string | undefined, intro: string[] = []): string {
  const result = job.result;
  const lines = [markup.bold(`${STATUS_ICON[job.status]} ${t.job.done(job.id, t.states[job.status], result ? seconds(t, result.durationMs) : undefined)}`)];
  if (intro.length > 0) lines.push('', ...intro);
  const answer = result?.finalMessage ?? result?.summary;
  if (answer !== undefined && answer.trim() !== '') lines.push('', markup.escape(answer.trim()));
  const error = job.error ?? result?.error;
  if (job.status !== 'succeeded' && error !== undefined) lines.push('', markup.escape(t.job.error(error)));
  const change = result?.change;
  lines.push(...(change ? changeLines(t, markup, change) : reportedFiles(t, markup, result?.filesChanged ?? [])));
  if (result?.publication) lines.push('', ...publicationLines(t, markup, result.publication));
  if (link !== undefined && change && change.files.length > 0) lines.push('', markup.link(t.job.diffLink(job.id), `${link}#change`));
  else if (link !== undefined) lines.push('', markup.link(t.job.jobLink(job.id), link));
  return lines.join('\n');
}

/** The change's stat and its files: status, old → new for a rename, and the line counts. */
function changeLines(t: Catalog, markup: Markup, change: ChangeSummary): string[] {
  if (change.files.length === 0) return ['', markup.escape(t.job.noFiles)];
  const branch = change.branch === undefined ? '' : t.job.onBranch(change.branch);
  const lines = ['', markup.bold(t.job.change(change.files.length, change.added, change.removed)) + markup.escape(branch)];
  if (change.truncated) lines.push(markup.escape(t.job.truncated));
  for (const file of change.files.slice(0, MAX_FILES)) {
    const path = file.oldPath !== undefined && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path;
    const stat = file.binary ? t.job.binary : `+${file.added} −${file.removed}`;
    lines.push(markup.escape(t.job.changedFile(path, t.fileStatus[file.status], stat)));
  }
  if (change.files.length > MAX_FILES) lines.push(markup.escape(t.job.more(change.files.length - MAX_FILES)));
  return lines;
}

/** The files Codex reported changing, for a job that recorded no change of its own. */
function reportedFiles(t: Catalog, markup: Markup, files: JobResultFile[]): string[] {
  if (files.length === 0) return [];
  const lines = ['', markup.bold(t.job.reportedFiles(files.length))];
  for (const file of files.slice(0, MAX_FILES)) {
    const stat = file.added === undefined ? '' : ` +${file.added} −${file.removed ?? 0}`;
    lines.push(markup.escape(t.job.reportedFile(file.path, t.fileKind[file.kind], stat)));
  }
  if (files.length > MAX_FILES) lines.push(markup.escape(t.job.more(files.length - MAX_FILES)));
  return lines;
}

/** Where a job's change went: the pull request, the pushed branch, and why publishing failed. */
export function publicationLines(t: Catalog, markup: Markup, publication: Publication): string[] {
  const lines: string[] = [];
  const { pullRequest, pushedAt, branch, error } = publication;
  if (pullRequest) lines.push(markup.link(t.job.pullRequest(pullRequest.number), pullRequest.url));
  else if (pushedAt !== undefined) lines.push(markup.escape(t.job.branchPushed(branch)));
  if (error !== undefined) lines.push(markup.escape(t.job.publishFailed(error)));
  return lines;
}

/** The answer to `/pr` once the node has published (or failed to). */
export function publishedText(t: Catalog, markup: Markup, jobId: number, publication: Publication): string {
  const head = publication.error === undefined ? t.publish.published(jobId) : t.publish.notPublished(jobId);
  return [markup.bold(head), ...publicationLines(t, markup, publication)].join('\n');
}

/** What a request that waits is queued behind: the thread's job, or its submit not answered yet. */
function behind(t: Catalog, runningJobId: number | undefined, ahead: number): string {
  const first = runningJobId === undefined ? t.engine.behindSubmit : t.engine.behindJob(runningJobId);
  return ahead === 0 ? first : t.engine.behindOthers(first, ahead);
}

/** The notice of a request queued behind `ahead` others and the thread's job (plain text). */
export function queuedText(t: Catalog, runningJobId: number | undefined, ahead: number): string {
  return t.engine.queued(behind(t, runningJobId, ahead), ahead > 0);
}
