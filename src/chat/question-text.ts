import type { JobQuestion } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import type { Markup } from './markup.js';
import { clipText } from './text-cut.js';
import type { QuestionAnswer, QuestionState } from './types.js';

/** Longest command, reason or argument text shown; the dashboard shows all of it. */
const MAX_DETAIL = 1000;
const MAX_FILES = 10;

function clip(text: string, max = MAX_DETAIL): string {
  return clipText(text, max);
}

function json(value: unknown): string {
  return clip(JSON.stringify(value) ?? 'null', 500);
}

/** How long the question waits, from its state: "10 min", "45 s". */
function waitsFor(t: Catalog, state: QuestionState): string {
  const ms = Date.parse(state.deadline) - Date.parse(state.askedAt);
  if (!Number.isFinite(ms) || ms <= 0) return t.questions.aWhile;
  return ms >= 90_000 ? t.questions.minutes(Math.round(ms / 60_000)) : t.questions.secondsShort(Math.round(ms / 1000));
}

/**
 * What Codex asks, line by line (formatted), for each kind of question: the start of its message,
 * to which the board adds how long it waits, then how it was decided. `textHint` says where a text
 * answer can be given (the buttons only decide).
 */
export function questionLines(t: Catalog, markup: Markup, jobId: number, question: JobQuestion, textHint: string): string[] {
  const q = t.questions;
  const head = (text: string) => markup.bold(q.head(jobId, text));
  const reason = question.reason === undefined ? [] : [markup.escape(q.reason(clip(question.reason)))];
  switch (question.kind) {
    case 'command': {
      const where = question.cwd === undefined ? [] : [markup.escape(q.inDir(question.cwd))];
      return [head(question.action === 'writeStdin' ? q.writeStdin : q.runCommand), ...(question.command === undefined ? [] : [markup.code(clip(question.command))]), ...where, ...reason];
    }
    case 'file_change': {
      const count = question.changes.length;
      const files = question.changes.slice(0, MAX_FILES).map((c) => markup.escape(q.changedFile(c.movePath === undefined ? c.path : `${c.path} → ${c.movePath}`, t.fileKind[c.kind], c.added, c.removed)));
      const more = count > MAX_FILES ? [markup.escape(t.job.more(count - MAX_FILES))] : [];
      const root = question.grantRoot === undefined ? [] : [markup.escape(q.grantRoot(question.grantRoot))];
      return [head(q.changeFiles(count)), ...files, ...more, ...root, ...reason];
    }
    case 'permissions':
      return [head(q.permissions), markup.code(json(question.permissions)), ...(question.cwd === undefined ? [] : [markup.escape(q.inDir(question.cwd))]), ...reason];
    case 'user_input':
      return [head(q.asksYou), ...question.questions.flatMap((one) => userInputLines(markup, one)), ...(question.questions[0]?.options.length ? [] : [markup.escape(textHint)])];
    case 'elicitation':
      return [head(q.elicitation(question.serverName)), markup.escape(clip(question.message)), ...(question.url === undefined ? [] : [markup.escape(question.url)])];
    case 'tool_call': {
      const tool = question.namespace === undefined ? question.tool : `${question.namespace}.${question.tool}`;
      return [head(q.toolCall(tool)), markup.code(json(question.arguments)), markup.escape(q.noTools(textHint))];
    }
    case 'unknown':
      return [head(q.unknown(question.method)), markup.escape(q.declineOnly)];
  }
}

function userInputLines(markup: Markup, q: Extract<JobQuestion, { kind: 'user_input' }>['questions'][number]): string[] {
  const options = q.options.map((o) => markup.escape(`• ${o.label}${o.description === '' ? '' : ` — ${o.description}`}`));
  return [markup.bold(q.header), markup.escape(clip(q.question)), ...options];
}

/** The last line of a pending question's message (plain text). */
export function waitLine(t: Catalog, state: QuestionState): string {
  return t.questions.waits(waitsFor(t, state));
}

/** "14:02:11 UTC" of an ISO time (as it came, when it does not parse). */
function clock(at: string): string {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : `${time.toISOString().slice(11, 19)} UTC`;
}

/** What was decided, in words fit for the question's kind. */
function decided(t: Catalog, question: JobQuestion, answer: QuestionAnswer): string {
  const q = t.questions;
  const words = { ...(question.kind === 'elicitation' ? q.elicitationDecisions : q.decisions) };
  if (question.kind === 'user_input' || question.kind === 'tool_call') {
    const given = [...Object.values(answer.answers ?? {}).flat(), ...(answer.text === undefined ? [] : [answer.text])];
    // A secret answer (a password Codex asked for) is never repeated in the chat.
    const secret = question.kind === 'user_input' && question.questions.some((one) => one.isSecret);
    words.accept = given.length > 0 && !secret ? q.answeredWith(clip(given.join(', '), 200)) : q.answered;
  }
  const text = answer.text === undefined || answer.decision.startsWith('accept') ? '' : q.withText(clip(answer.text, 200));
  return `${words[answer.decision]}${text}`;
}

/** The line a decided question's message ends with: who decided what, from where, and when; or why it is no longer asked. */
export function outcomeLine(t: Catalog, state: QuestionState, jobEnded: boolean): string {
  const q = t.questions;
  const { answer, by } = state;
  if (state.status !== 'answered' || !answer || !by) return jobEnded ? q.endedJob : q.movedOn;
  const icon = answer.decision.startsWith('accept') ? '✅' : '🛑';
  const what = decided(t, state.question, answer);
  if (by.via === 'timeout') return q.timedOut(what, clock(by.at));
  if (by.via === 'node' || by.via === 'runner') return q.noLongerWaited(icon, what, q.via[by.via], clock(by.at));
  const who = by.name ?? by.userId;
  return q.decidedBy(icon, what, who === undefined ? q.via[by.via] : q.whoVia(who, q.via[by.via]), clock(by.at));
}
