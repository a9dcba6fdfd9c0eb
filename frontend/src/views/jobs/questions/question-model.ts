import { text } from '../../../i18n/active.js';
import type { Answerer, JobQuestion, QuestionAnswer, QuestionDecision, QuestionFile, QuestionState } from '../../../api/question-types.js';

/** Kinds that share their wording: commands and file changes are both approvals. */
type Wording = 'approval' | 'permissions' | 'user_input' | 'elicitation' | 'tool_call' | 'unknown';

const WORDING: Record<JobQuestion['kind'], Wording> = {
  command: 'approval',
  file_change: 'approval',
  permissions: 'permissions',
  user_input: 'user_input',
  elicitation: 'elicitation',
  tool_call: 'tool_call',
  unknown: 'unknown',
};

/** Per decision: the button that makes it, and what it was once made; generic words for a decision a kind's table lacks. */
function wording(question: JobQuestion, decision: QuestionDecision): readonly [string, string] {
  const t = text().questions;
  return t.decisions[WORDING[question.kind]]?.[decision] ?? t.generic[decision] ?? [decision, decision];
}

export const decisionButton = (question: JobQuestion, decision: QuestionDecision): string => wording(question, decision)[0];
const decisionDone = (question: JobQuestion, decision: QuestionDecision): string => wording(question, decision)[1];
/** For the log, which knows no kind. */
export const genericDone = (decision: QuestionDecision): string => text().questions.generic[decision]?.[1] ?? decision;

/** A heading for the question: what Codex asks for. */
export function questionTitle(question: JobQuestion): string {
  const t = text().questions.title;
  switch (question.kind) {
    case 'command':
      return t.command;
    case 'file_change':
      return question.changes.length === 0 ? t.files : t.someFiles(question.changes.length);
    case 'permissions':
      return t.permissions;
    case 'user_input':
      return question.questions.length === 1 ? t.oneQuestion : t.manyQuestions(question.questions.length);
    case 'elicitation':
      return t.elicitation(question.serverName);
    case 'tool_call':
      return t.toolCall(toolName(question));
    case 'unknown':
      return t.unknown(question.method);
  }
}

/** What Codex wants, to follow "Codex asks to": for the log and the decided list. */
export function questionSummary(question: JobQuestion): string {
  const t = text().questions.summary;
  switch (question.kind) {
    case 'command':
      return question.command === undefined ? t.aCommand : t.command(question.command);
    case 'file_change':
      return question.changes.length === 0 ? t.files : t.someFiles(question.changes.map((c) => c.path).join(', '));
    case 'permissions':
      return t.permissions(Object.keys(question.permissions).join(', ') || t.somePermissions);
    case 'user_input':
      return t.userInput(question.questions.map((q) => q.question).join(' / '));
    case 'elicitation':
      return t.elicitation(question.serverName, question.message);
    case 'tool_call':
      return t.toolCall(toolName(question));
    case 'unknown':
      return t.unknown(question.method);
  }
}

export const toolName = (question: { tool: string; namespace?: string }): string => (question.namespace ? `${question.namespace}.${question.tool}` : question.tool);

/** Who decided, and from where: "admin via the dashboard"; a timeout and the node say why instead. */
export function answererText(by: Answerer): string {
  const t = text().questions;
  if (by.via === 'timeout') return t.byTimeout;
  if (by.via === 'node') return t.byNode;
  return t.by(by.name ?? by.userId ?? t.someone, t.via[by.via] ?? by.via);
}

/** How a decided question ended: "Approved once", "Denied", or why it is no longer asked. */
export function outcomeText(state: QuestionState): string {
  if (state.status === 'moot') return text().questions.moot;
  if (state.answer === undefined) return text().questions.answered;
  return decisionDone(state.question, state.answer.decision);
}

/** What an answer carried besides its decision, in words (secret answers are not repeated). */
export function answerExtras(question: JobQuestion, answer: QuestionAnswer | undefined): string | undefined {
  if (answer === undefined || answer.decision === 'decline' || answer.decision === 'cancel') return answer?.text;
  if (question.kind === 'user_input') {
    const given = question.questions.filter((q) => answer.answers?.[q.id] !== undefined || answer.text !== undefined);
    return given.map((q) => `${q.header || q.question}: ${q.isSecret ? text().questions.secret : (answer.answers?.[q.id] ?? [answer.text]).join(', ')}`).join(' · ') || undefined;
  }
  if (question.kind === 'elicitation' && answer.content !== undefined) return JSON.stringify(answer.content);
  return answer.text;
}

/** A line of a file-change question's patch, typed for colouring. */
export interface PatchLine {
  kind: 'add' | 'del' | 'ctx' | 'hunk';
  text: string;
}

/** An added or deleted file comes as its whole content; an update as unified-diff hunks. */
export function patchLines(file: QuestionFile): PatchLine[] {
  const body = (file.diff ?? '').replace(/\n$/, '');
  if (body === '') return [];
  const lines = body.split('\n');
  if (file.kind === 'add') return lines.map((text) => ({ kind: 'add', text: `+${text}` }));
  if (file.kind === 'delete') return lines.map((text) => ({ kind: 'del', text: `-${text}` }));
  return lines.map((text) => ({ kind: lineKind(text), text }));
}

function lineKind(text: string): PatchLine['kind'] {
  if (text.startsWith('@@') || text.startsWith('+++ ') || text.startsWith('--- ')) return 'hunk';
  return text.startsWith('+') ? 'add' : text.startsWith('-') ? 'del' : 'ctx';
}

/** The questions still waiting for someone, oldest first. */
export const pendingOf = (states: readonly QuestionState[] | undefined): QuestionState[] => (states ?? []).filter((s) => s.status === 'pending');

/** A job's `waiting` as a sentence: the master's reasons read "no node is connected" or "waiting for an answer …". */
export function waitingText(waiting: string): string {
  const sentence = /^waiting\b/i.test(waiting) ? waiting : text().questions.waitingPrefix(waiting);
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
