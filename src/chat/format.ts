import type { ThreadView } from './command-host.js';
import type { Markup } from './markup.js';
import type { ChangeSummary } from '../protocol/index.js';
import type { GatewayStatus, JobSummary, Publication, SequencedJobEvent } from './types.js';

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

/** What the job did last, for the progress message: a command, or the start of a message. */
export function lastActivity(events: readonly SequencedJobEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]?.event;
    if (event?.kind === 'command_started' || event?.kind === 'command_finished') return `$ ${event.command}`;
    if (event?.kind === 'agent_message') return event.text;
    if (event?.kind === 'file_change') return `edited ${event.changes.map((c) => c.path).join(', ')}`;
  }
  return undefined;
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The progress message of a job that has not finished. */
export function progressText(markup: Markup, job: JobSummary, activity: string | undefined, now = Date.now()): string {
  const where = job.node === undefined ? '' : ` on ${job.node}`;
  const since = job.startedAt === undefined ? '' : ` · ${seconds(now - Date.parse(job.startedAt))}`;
  const head = markup.bold(`${STATUS_ICON[job.status]} Job #${job.id} ${job.status}${where}`) + markup.escape(since);
  const pending = job.questions?.filter((q) => q.status === 'pending').length ?? 0;
  const waiting = pending === 0 ? '' : `\n${markup.escape(`❓ Waiting for an answer to ${pending === 1 ? 'a question' : `${pending} questions`} of Codex`)}`;
  return activity === undefined ? head + waiting : `${head}\n${markup.code(clip(activity, MAX_ACTIVITY))}${waiting}`;
}

/** The one-line state a finished job's progress message ends with. */
export function finalLine(markup: Markup, job: JobSummary): string {
  const where = job.node === undefined ? '' : ` on ${job.node}`;
  return markup.bold(`${STATUS_ICON[job.status]} Job #${job.id} ${job.status}${where}`);
}

/** The result message: final answer, the change (or the files Codex reported), where it was published, and the job's dashboard link. */
export function resultText(markup: Markup, job: JobSummary, link: string | undefined): string {
  const result = job.result;
  const duration = result ? ` in ${seconds(result.durationMs)}` : '';
  const lines = [markup.bold(`${STATUS_ICON[job.status]} Job #${job.id} ${job.status}${duration}`)];
  const answer = result?.finalMessage ?? result?.summary;
  if (answer !== undefined && answer.trim() !== '') lines.push('', markup.escape(answer.trim()));
  const error = job.error ?? result?.error;
  if (job.status !== 'succeeded' && error !== undefined) lines.push('', markup.escape(`Error: ${error}`));
  const change = result?.change;
  lines.push(...(change ? changeLines(markup, change) : reportedFiles(markup, result?.filesChanged ?? [])));
  if (result?.publication) lines.push('', ...publicationLines(markup, result.publication));
  if (link !== undefined && change && change.files.length > 0) lines.push('', markup.link(`Job #${job.id}'s diff in the dashboard`, `${link}#change`));
  else if (link !== undefined) lines.push('', markup.link(`Job #${job.id} in the dashboard`, link));
  return lines.join('\n');
}

/** The change's stat and its files: status, old → new for a rename, and the line counts. */
function changeLines(markup: Markup, change: ChangeSummary): string[] {
  if (change.files.length === 0) return ['', markup.escape('No files changed.')];
  const count = change.files.length;
  const branch = change.branch === undefined ? '' : ` on ${change.branch}`;
  const lines = ['', markup.bold(`Change: ${count} file${count === 1 ? '' : 's'}, +${change.added} −${change.removed}`) + markup.escape(branch)];
  if (change.truncated) lines.push(markup.escape("Truncated: the diff was cut at the node's size limit (the stat is complete)."));
  for (const file of change.files.slice(0, MAX_FILES)) {
    const path = file.oldPath !== undefined && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path;
    const stat = file.binary ? 'binary' : `+${file.added} −${file.removed}`;
    lines.push(markup.escape(`• ${path} (${file.status.replace('_', ' ')}, ${stat})`));
  }
  if (change.files.length > MAX_FILES) lines.push(markup.escape(`… and ${change.files.length - MAX_FILES} more`));
  return lines;
}

/** The files Codex reported changing, for a job that recorded no change of its own. */
function reportedFiles(markup: Markup, files: JobResultFile[]): string[] {
  if (files.length === 0) return [];
  const lines = ['', markup.bold(`Files changed (${files.length})`)];
  for (const file of files.slice(0, MAX_FILES)) {
    const stat = file.added === undefined ? '' : ` +${file.added} −${file.removed ?? 0}`;
    lines.push(markup.escape(`• ${file.path} (${file.kind}${stat})`));
  }
  if (files.length > MAX_FILES) lines.push(markup.escape(`… and ${files.length - MAX_FILES} more`));
  return lines;
}

/** Where a job's change went: the pull request, the pushed branch, and why publishing failed. */
export function publicationLines(markup: Markup, publication: Publication): string[] {
  const lines: string[] = [];
  const { pullRequest, pushedAt, branch, error } = publication;
  if (pullRequest) lines.push(markup.link(`Pull request #${pullRequest.number}`, pullRequest.url));
  else if (pushedAt !== undefined) lines.push(markup.escape(`Branch ${branch} pushed.`));
  if (error !== undefined) lines.push(markup.escape(`Publishing failed: ${error}`));
  return lines;
}

/** The answer to `/pr` once the node has published (or failed to). */
export function publishedText(markup: Markup, jobId: number, publication: Publication): string {
  const head = publication.error === undefined ? `✅ Job #${jobId} published` : `❌ Job #${jobId} not published`;
  return [markup.bold(head), ...publicationLines(markup, publication)].join('\n');
}

/** What a request that waits is queued behind: the thread's job, or its submit not answered yet. */
function behind(runningJobId: number | undefined, ahead: number): string {
  const first = runningJobId === undefined ? 'the request before it' : `job #${runningJobId}`;
  return ahead === 0 ? first : `${first} and ${ahead} other request${ahead === 1 ? '' : 's'}`;
}

/** The notice of a request queued behind `ahead` others and the thread's job (plain text). */
export function queuedText(runningJobId: number | undefined, ahead: number): string {
  return `⏳ Queued behind ${behind(runningJobId, ahead)}; it starts once ${ahead === 0 ? 'that has' : 'they have'} finished.`;
}

/** The answer to a request that finds its thread's line full (plain text). */
export function lineFullText(runningJobId: number | undefined, ahead: number): string {
  return `This thread already has ${ahead} requests waiting behind ${runningJobId === undefined ? 'the one being sent' : `job #${runningJobId}`}; send this one again once they have run, or /cancel them all.`;
}

/** `/status`: what the thread is doing (plain text). */
export function threadText(view: ThreadView, lastJobId: number | undefined): string {
  const waiting = view.waiting === 0 ? '' : `, ${view.waiting} request${view.waiting === 1 ? '' : 's'} waiting behind it`;
  if (view.runningJobId !== undefined) return `job #${view.runningJobId} running${waiting}`;
  if (view.submitting) return `a request sent, waiting for the master's answer${waiting}`;
  return lastJobId !== undefined ? `last job #${lastJobId}; the next request continues it` : 'no job yet';
}

/** `/nodes`: one line per connected node. */
export function nodesText(markup: Markup, status: GatewayStatus): string {
  if (status.nodes.length === 0) return markup.escape('No nodes are connected.');
  const lines = status.nodes.map((node) => {
    const tags = node.tags.length > 0 ? ` [${node.tags.join(', ')}]` : '';
    const running = node.running.length > 0 ? `, running #${node.running.join(', #')}` : '';
    return markup.escape(`• ${node.name} (${node.status}, ${node.slots} slots${running})${tags}`);
  });
  return [markup.bold(`Nodes (${status.nodes.length})`), ...lines].join('\n');
}

/** `/status`: the master, its nodes, and this thread's job. */
export function statusText(markup: Markup, status: GatewayStatus, thread: string): string {
  const online = status.nodes.filter((n) => n.status === 'online').length;
  return [
    markup.bold('Status'),
    markup.escape(`Master ${status.master.version}, up since ${status.master.startedAt}`),
    markup.escape(`Nodes: ${online} online of ${status.nodes.length}; jobs queued ${status.master.queued}, running ${status.master.active}`),
    markup.escape(`This thread: ${thread}`),
  ].join('\n');
}

/** `/start` and `/help`. */
export function helpText(markup: Markup): string {
  return [
    markup.bold('Codex Super Client'),
    markup.escape('Write a request and Codex works on it; reply in the same thread to continue the conversation.'),
    markup.escape('/run @node [owner/repo] prompt — run on a node, in a repository'),
    markup.escape('/status — master, nodes and this thread\'s job'),
    markup.escape('/nodes — connected nodes'),
    markup.escape('/cancel — stop this thread\'s job and drop the requests waiting behind it'),
    markup.escape('/new — start a fresh Codex conversation'),
    markup.escape('/pr — open a pull request for this thread\'s last job (/pr branch: push its branch only)'),
  ].join('\n');
}
