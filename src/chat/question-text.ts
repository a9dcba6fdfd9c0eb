import type { Answerer, JobQuestion, QuestionDecision } from '../protocol/index.js';
import type { Markup } from './markup.js';
import type { QuestionAnswer, QuestionState } from './types.js';

/** Longest command, reason or argument text shown; the dashboard shows all of it. */
const MAX_DETAIL = 1000;
const MAX_FILES = 10;

function clip(text: string, max = MAX_DETAIL): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function json(value: unknown): string {
  return clip(JSON.stringify(value) ?? 'null', 500);
}

/** How long the question waits, from its state: "10 min", "45 s". */
function waitsFor(state: QuestionState): string {
  const ms = Date.parse(state.deadline) - Date.parse(state.askedAt);
  if (!Number.isFinite(ms) || ms <= 0) return 'a while';
  return ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * What Codex asks, line by line (formatted), for each kind of question: the start of its message,
 * to which the board adds how long it waits, then how it was decided. `textHint` says where a text
 * answer can be given (the buttons only decide).
 */
export function questionLines(markup: Markup, jobId: number, question: JobQuestion, textHint: string): string[] {
  const head = (text: string) => markup.bold(`❓ Job #${jobId} ${text}`);
  const reason = question.reason === undefined ? [] : [markup.escape(`Reason: ${clip(question.reason)}`)];
  switch (question.kind) {
    case 'command': {
      const what = question.action === 'writeStdin' ? 'asks to write to a running command' : 'asks to run a command';
      const where = question.cwd === undefined ? [] : [markup.escape(`in ${question.cwd}`)];
      return [head(what), ...(question.command === undefined ? [] : [markup.code(clip(question.command))]), ...where, ...reason];
    }
    case 'file_change': {
      const count = question.changes.length;
      const files = question.changes.slice(0, MAX_FILES).map((c) => markup.escape(`• ${c.movePath === undefined ? c.path : `${c.path} → ${c.movePath}`} (${c.kind}, +${c.added} −${c.removed})`));
      const more = count > MAX_FILES ? [markup.escape(`… and ${count - MAX_FILES} more`)] : [];
      const root = question.grantRoot === undefined ? [] : [markup.escape(`and to write under ${question.grantRoot} for the rest of the job`)];
      return [head(count === 0 ? 'asks to change files' : `asks to change ${count} file${count === 1 ? '' : 's'}`), ...files, ...more, ...root, ...reason];
    }
    case 'permissions':
      return [head('asks for more permissions'), markup.code(json(question.permissions)), ...(question.cwd === undefined ? [] : [markup.escape(`in ${question.cwd}`)]), ...reason];
    case 'user_input':
      return [head('asks you'), ...question.questions.flatMap((q) => userInputLines(markup, q)), ...(question.questions[0]?.options.length ? [] : [markup.escape(textHint)])];
    case 'elicitation':
      return [head(`has a question from the MCP server ${question.serverName}`), markup.escape(clip(question.message)), ...(question.url === undefined ? [] : [markup.escape(question.url)])];
    case 'tool_call': {
      const tool = question.namespace === undefined ? question.tool : `${question.namespace}.${question.tool}`;
      return [head(`asks this client to run the tool ${tool}`), markup.code(json(question.arguments)), markup.escape(`This client runs no tools of its own. ${textHint}`)];
    }
    case 'unknown':
      return [head(`sent a request this client does not know (${question.method})`), markup.escape('It can only be declined.')];
  }
}

function userInputLines(markup: Markup, q: Extract<JobQuestion, { kind: 'user_input' }>['questions'][number]): string[] {
  const options = q.options.map((o) => markup.escape(`• ${o.label}${o.description === '' ? '' : ` — ${o.description}`}`));
  return [markup.bold(q.header), markup.escape(clip(q.question)), ...options];
}

/** The last line of a pending question's message (plain text). */
export function waitLine(state: QuestionState): string {
  return `⏳ Waiting up to ${waitsFor(state)} for an answer; then it is declined.`;
}

const VIA: Record<Answerer['via'], string> = {
  telegram: 'Telegram',
  slack: 'Slack',
  dashboard: 'the dashboard',
  cli: 'the CLI',
  api: 'the API',
  runner: 'the runner',
  timeout: 'timeout',
  node: 'the node',
};

/** "14:02:11 UTC" of an ISO time (as it came, when it does not parse). */
function clock(at: string): string {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : `${time.toISOString().slice(11, 19)} UTC`;
}

/** What was decided, in words fit for the question's kind. */
function decided(question: JobQuestion, answer: QuestionAnswer): string {
  const words: Record<QuestionDecision, string> = { accept: 'Approved once', acceptForSession: 'Approved for this job', decline: 'Denied', cancel: 'Denied and stopped' };
  if (question.kind === 'elicitation') Object.assign(words, { accept: 'Accepted', decline: 'Declined', cancel: 'Cancelled' });
  if (question.kind === 'user_input' || question.kind === 'tool_call') {
    const given = [...Object.values(answer.answers ?? {}).flat(), ...(answer.text === undefined ? [] : [answer.text])];
    // A secret answer (a password Codex asked for) is never repeated in the chat.
    const secret = question.kind === 'user_input' && question.questions.some((q) => q.isSecret);
    Object.assign(words, { accept: given.length > 0 && !secret ? `Answered "${clip(given.join(', '), 200)}"` : 'Answered' });
  }
  const text = answer.text === undefined || answer.decision.startsWith('accept') ? '' : `: "${clip(answer.text, 200)}"`;
  return `${words[answer.decision]}${text}`;
}

/** The line a decided question's message ends with: who decided what, from where, and when; or why it is no longer asked. */
export function outcomeLine(state: QuestionState, jobEnded: boolean): string {
  const { answer, by } = state;
  if (state.status !== 'answered' || !answer || !by) return jobEnded ? '🚫 No longer asked: the job ended.' : '🚫 No longer asked: the job moved on (its attempt ended).';
  const icon = answer.decision.startsWith('accept') ? '✅' : '🛑';
  if (by.via === 'timeout') return `⌛ ${decided(state.question, answer)}: nobody answered in time (${clock(by.at)}).`;
  if (by.via === 'node' || by.via === 'runner') return `${icon} ${decided(state.question, answer)} by ${VIA[by.via]}: the run no longer waited (${clock(by.at)}).`;
  const who = by.name ?? by.userId;
  return `${icon} ${decided(state.question, answer)} by ${who === undefined ? VIA[by.via] : `${who} (${VIA[by.via]})`} at ${clock(by.at)}.`;
}
