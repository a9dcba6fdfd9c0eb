import type { ChangeSummary, JobResult, JobSpec } from '../protocol/index.js';

/** A pull request title's length on GitHub's lists before it is cut, and a commit subject's convention. */
const SUMMARY_CHARS = 72;
/** Files listed one by one in a pull request's body; the rest are counted. */
const LISTED_FILES = 50;
/** GitHub refuses a pull request body over 65,536 characters: the final message gives way first. */
const BODY_MESSAGE_CHARS = 60_000;

/** The prompt's first non-empty line, at most 72 characters (cut with an ellipsis). */
export function promptSummary(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length <= SUMMARY_CHARS ? line : `${line.slice(0, SUMMARY_CHARS - 1).trimEnd()}…`;
}

/** The job's commit message: the prompt's summary, a blank line, Codex's final message (and how the job ended, when not well). */
export function commitMessage(job: JobSpec, result: JobResult): string {
  const ending = result.status === 'succeeded' ? [] : [`The job ended ${result.status}${result.error === undefined ? '' : `: ${result.error}`}.`];
  const body = [result.finalMessage?.trim() ?? '', ...ending].filter((part) => part !== '');
  return [promptSummary(job.prompt) || `Job #${job.id}`, ...(body.length > 0 ? ['', body.join('\n\n')] : [])].join('\n') + '\n';
}

/** A pull request's body: Codex's final message, the diff stat, and the job's number. */
export function pullRequestBody(jobId: number, finalMessage: string | undefined, change: ChangeSummary): string {
  const files = change.files.slice(0, LISTED_FILES).map((file) => {
    const counts = file.binary ? 'binary' : `+${file.added} −${file.removed}`;
    return `- \`${file.oldPath === undefined ? file.path : `${file.oldPath} → ${file.path}`}\` (${file.status}, ${counts})`;
  });
  const more = change.files.length > LISTED_FILES ? [`- … and ${change.files.length - LISTED_FILES} more`] : [];
  const stat = `${change.files.length} file${change.files.length === 1 ? '' : 's'} changed, +${change.added} −${change.removed}`;
  return [finalMessage?.trim().slice(0, BODY_MESSAGE_CHARS) ?? '', [stat, ...files, ...more].join('\n'), `Job #${jobId}`].filter((part) => part !== '').join('\n\n');
}
