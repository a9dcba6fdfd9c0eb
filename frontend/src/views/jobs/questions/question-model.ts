import type { Answerer, AnswerVia, JobQuestion, QuestionAnswer, QuestionDecision, QuestionFile, QuestionState } from '../../../api/question-types';

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

/** Per decision: the button that makes it, and what it was once made. */
const DECISIONS: Record<Wording, Partial<Record<QuestionDecision, [button: string, done: string]>>> = {
  approval: {
    accept: ['Approve once', 'Approved once'],
    acceptForSession: ['Approve for this job', 'Approved for this job'],
    decline: ['Deny', 'Denied'],
    cancel: ['Deny and stop', 'Denied and stopped'],
  },
  permissions: { accept: ['Grant once', 'Granted once'], acceptForSession: ['Grant for this job', 'Granted for this job'], decline: ['Deny', 'Denied'] },
  user_input: { accept: ['Send answer', 'Answered'], decline: ['Decline to answer', 'Declined to answer'] },
  elicitation: { accept: ['Accept', 'Accepted'], decline: ['Decline', 'Declined'], cancel: ['Cancel', 'Cancelled'] },
  tool_call: { accept: ['Return output', 'Output returned'], decline: ['Fail the call', 'Call failed'] },
  unknown: { decline: ['Decline', 'Declined'] },
};

/** Generic words, for a decision a kind's table lacks and for the log (which knows no kind). */
const GENERIC: Record<QuestionDecision, [string, string]> = {
  accept: ['Accept', 'accepted'],
  acceptForSession: ['Accept for this job', 'accepted for this job'],
  decline: ['Decline', 'declined'],
  cancel: ['Cancel', 'cancelled'],
};

export const decisionButton = (question: JobQuestion, decision: QuestionDecision): string => (DECISIONS[WORDING[question.kind]][decision] ?? GENERIC[decision])[0];
const decisionDone = (question: JobQuestion, decision: QuestionDecision): string => (DECISIONS[WORDING[question.kind]][decision] ?? GENERIC[decision])[1];
export const genericDone = (decision: QuestionDecision): string => GENERIC[decision][1];

/** A heading for the question: what Codex asks for. */
export function questionTitle(question: JobQuestion): string {
  switch (question.kind) {
    case 'command':
      return 'Codex asks to run a command';
    case 'file_change':
      return question.changes.length === 0 ? 'Codex asks to change files' : `Codex asks to change ${plural(question.changes.length, 'file')}`;
    case 'permissions':
      return 'Codex asks for more permissions';
    case 'user_input':
      return question.questions.length === 1 ? 'Codex asks you a question' : `Codex asks you ${question.questions.length} questions`;
    case 'elicitation':
      return `${question.serverName} (MCP server) asks for input`;
    case 'tool_call':
      return `Codex calls the tool ${toolName(question)}`;
    case 'unknown':
      return `Codex sent a request this dashboard does not know (${question.method})`;
  }
}

/** What Codex wants, to follow "Codex asks to": for the log and the decided list. */
export function questionSummary(question: JobQuestion): string {
  switch (question.kind) {
    case 'command':
      return question.command === undefined ? 'run a command' : `run ${question.command}`;
    case 'file_change':
      return question.changes.length === 0 ? 'change files' : `change ${question.changes.map((c) => c.path).join(', ')}`;
    case 'permissions':
      return `grant ${Object.keys(question.permissions).join(', ') || 'permissions'}`;
    case 'user_input':
      return `answer: ${question.questions.map((q) => q.question).join(' / ')}`;
    case 'elicitation':
      return `answer ${question.serverName}: ${question.message}`;
    case 'tool_call':
      return `call ${toolName(question)}`;
    case 'unknown':
      return `answer ${question.method}`;
  }
}

export const toolName = (question: { tool: string; namespace?: string }): string => (question.namespace ? `${question.namespace}.${question.tool}` : question.tool);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const VIA: Record<AnswerVia, string> = {
  telegram: 'Telegram',
  slack: 'Slack',
  dashboard: 'the dashboard',
  cli: 'the CLI',
  api: 'the API',
  runner: 'the Telegram runner',
  timeout: 'timeout',
  node: 'the node',
};

/** Who decided, and from where: "admin via the dashboard"; a timeout and the node say why instead. */
export function answererText(by: Answerer): string {
  if (by.via === 'timeout') return 'automatically: nobody answered in time';
  if (by.via === 'node') return 'by the node: Codex stopped waiting';
  return `by ${by.name ?? by.userId ?? 'someone'} via ${VIA[by.via]}`;
}

/** How a decided question ended: "Approved once", "Denied", or why it is no longer asked. */
export function outcomeText(state: QuestionState): string {
  if (state.status === 'moot') return 'No longer asked: the attempt that asked has ended';
  if (state.answer === undefined) return 'Answered';
  return decisionDone(state.question, state.answer.decision);
}

/** What an answer carried besides its decision, in words (secret answers are not repeated). */
export function answerExtras(question: JobQuestion, answer: QuestionAnswer | undefined): string | undefined {
  if (answer === undefined || answer.decision === 'decline' || answer.decision === 'cancel') return answer?.text;
  if (question.kind === 'user_input') {
    const given = question.questions.filter((q) => answer.answers?.[q.id] !== undefined || answer.text !== undefined);
    return given.map((q) => `${q.header || q.question}: ${q.isSecret ? '(secret)' : (answer.answers?.[q.id] ?? [answer.text]).join(', ')}`).join(' · ') || undefined;
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
  const sentence = /^waiting\b/i.test(waiting) ? waiting : `waiting: ${waiting}`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
