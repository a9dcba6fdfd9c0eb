import type { JobQuestion, QuestionDecision } from '../protocol/index.js';
import { colourDiff } from './render-diff.js';

/** How many lines of file changes a terminal shows before the prompt: enough to judge, not a flood. */
const MAX_DIFF_LINES = 80;
/** How much of a tool's arguments or an unknown request's params is shown. */
const MAX_JSON_CHARS = 600;

/**
 * What a question shows on a terminal besides its one-line description (`describeQuestion`), each
 * line indented: the patch of a file change, the arguments of a tool call, what a permission
 * request or an elicitation asks for. User-input questions are shown by the prompt itself.
 */
export function questionDetails(question: JobQuestion, colour: boolean): string[] {
  switch (question.kind) {
    case 'file_change':
      return cap(question.changes.flatMap((c) => [`± ${c.kind} ${c.path}${c.movePath ? ` → ${c.movePath}` : ''} (+${c.added} -${c.removed})`, ...patchLines(c.kind, c.diff, colour)]));
    case 'permissions':
      return [`permissions: ${cut(JSON.stringify(question.permissions))}`, ...(question.cwd ? [`in ${question.cwd}`] : [])];
    case 'elicitation':
      return [...(question.url ? [`open: ${question.url}`] : []), ...(question.requestedSchema === undefined ? [] : [`wants: ${cut(JSON.stringify(question.requestedSchema))}`])];
    case 'tool_call':
      return [`arguments: ${cut(JSON.stringify(question.arguments) ?? 'none')}`];
    case 'unknown':
      return [`params: ${cut(JSON.stringify(question.params) ?? 'none')}`, 'this client can only deny it'];
    case 'command':
    case 'user_input':
      return [];
  }
}

/** An added file's content as additions, a deleted one's as removals, an update's hunks as they are. */
function patchLines(kind: 'add' | 'delete' | 'update', diff: string | undefined, colour: boolean): string[] {
  if (diff === undefined || diff === '') return [];
  const body = diff.endsWith('\n') ? diff.slice(0, -1) : diff;
  if (kind === 'update') return (colour ? colourDiff(body) : body).split('\n');
  const lines = body.split('\n').map((line) => `${kind === 'add' ? '+' : '-'}${line}`);
  if (!colour) return lines;
  // Whole content comes without a hunk header, and colourDiff colours only inside hunks: give it one, then drop it.
  const header = kind === 'add' ? `@@ -0,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +0,0 @@`;
  return colourDiff([header, ...lines].join('\n')).split('\n').slice(1);
}

function cap(lines: string[]): string[] {
  if (lines.length <= MAX_DIFF_LINES) return lines;
  return [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more lines (csc job show has the whole question)`];
}

function cut(text: string): string {
  return text.length <= MAX_JSON_CHARS ? text : `${text.slice(0, MAX_JSON_CHARS)}…`;
}

/** The commands that answer a question, for a log that is not on a terminal (nobody to ask there). */
export function answerHint(jobId: number, question: JobQuestion): string {
  const which = `${jobId} --question ${question.id}`;
  const deny = `csc job deny ${which}${question.decisions.includes('cancel') ? ' [--stop]' : ''}`;
  switch (question.kind) {
    case 'user_input':
    case 'tool_call':
      return `answer with: csc job answer ${jobId} TEXT --question ${question.id}, or ${deny}`;
    case 'elicitation':
      return `answer with: csc job approve ${which}, csc job answer ${jobId} JSON --question ${question.id}, or ${deny}`;
    case 'unknown':
      return `deny with: ${deny}`;
    default:
      return `answer with: csc job approve ${which}${question.decisions.includes('acceptForSession') ? ' [--for-job]' : ''}, or ${deny}`;
  }
}

/** The keys of the terminal prompt for an approval, in the order Codex offers the decisions. */
export const DECISION_KEYS: Record<QuestionDecision, { key: string; label: string }> = {
  accept: { key: 'y', label: 'once' },
  acceptForSession: { key: 'a', label: 'for this job' },
  decline: { key: 'n', label: 'deny' },
  cancel: { key: 's', label: 'deny and stop' },
};
