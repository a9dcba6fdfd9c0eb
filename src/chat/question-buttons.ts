import type { JobQuestion, QuestionDecision } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import { clipText } from './text-cut.js';
import type { ChatButton, QuestionAnswer } from './types.js';

/**
 * A question's buttons and back: each button's `data` is `q|<jobId>|<questionId>|<code>` (at most
 * 56 bytes: Telegram takes 64), the code a decision (`a`, `s`, `d`, `c`) or a user-input option
 * (`o<index>` of the first question's options).
 */
const CODES: Record<QuestionDecision, string> = { accept: 'a', acceptForSession: 's', decline: 'd', cancel: 'c' };
const DECISIONS = new Map(Object.entries(CODES).map(([decision, code]) => [code, decision as QuestionDecision]));
/** Options shown as buttons; a longer list is answered from the dashboard. */
const MAX_OPTIONS = 8;

/** A button press, as its `data` says. */
export interface ButtonPress {
  jobId: number;
  questionId: string;
  code: string;
}

/** The label of a decision's button, in the words of the question's kind. */
function label(t: Catalog, question: JobQuestion, decision: QuestionDecision): string {
  return (question.kind === 'elicitation' ? t.questions.elicitationButtons : t.questions.buttons)[decision];
}

/**
 * The decisions a button can give. Declining is always possible (Codex takes it whatever it
 * offers); accepting needs nothing a button cannot say: not a tool's output or a form's fields.
 */
function buttonDecisions(question: JobQuestion): QuestionDecision[] {
  if (question.kind === 'tool_call' || question.kind === 'unknown' || question.kind === 'user_input') return ['decline'];
  const offered = question.decisions.filter((d) => d !== 'decline' && !(d.startsWith('accept') && needsContent(question)));
  const cancel = offered.indexOf('cancel');
  return cancel < 0 ? [...offered, 'decline'] : [...offered.slice(0, cancel), 'decline', ...offered.slice(cancel)];
}

/** An elicitation whose form has required fields cannot be accepted empty. */
function needsContent(question: JobQuestion): boolean {
  if (question.kind !== 'elicitation' || question.mode === 'url') return false;
  const required = (question.requestedSchema as { required?: unknown } | undefined)?.required;
  return Array.isArray(required) && required.length > 0;
}

/** The buttons under a question's message: the options of a user-input question, then the decisions. */
export function buttonsFor(t: Catalog, jobId: number, question: JobQuestion): ChatButton[] {
  const data = (code: string) => `q|${jobId}|${question.id}|${code}`;
  const options = question.kind === 'user_input' ? (question.questions[0]?.options ?? []).slice(0, MAX_OPTIONS) : [];
  return [
    ...options.map((option, index): ChatButton => ({ label: clipText(option.label, 60), data: data(`o${index}`), style: 'primary' })),
    ...buttonDecisions(question).map(
      (decision): ChatButton => ({ label: label(t, question, decision), data: data(CODES[decision]), ...(decision.startsWith('accept') ? { style: 'primary' as const } : { style: 'danger' as const }) }),
    ),
  ];
}

/** A press of one of our buttons; undefined for any other `data`. */
export function parseButton(data: string): ButtonPress | undefined {
  const match = /^q\|(\d{1,15})\|([A-Za-z0-9_-]{1,32})\|(a|s|d|c|o\d{1,2})$/.exec(data);
  if (!match) return undefined;
  return { jobId: Number(match[1]), questionId: match[2] as string, code: match[3] as string };
}

/**
 * The answer a press gives. An option needs the question it belongs to (its label is the answer);
 * undefined when that is not known here any more.
 */
export function answerFor(press: ButtonPress, question: JobQuestion | undefined): QuestionAnswer | undefined {
  const decision = DECISIONS.get(press.code);
  if (decision) return { decision };
  if (question?.kind !== 'user_input') return undefined;
  const first = question.questions[0];
  const option = first?.options[Number(press.code.slice(1))];
  return first && option ? { decision: 'accept', answers: { [first.id]: [option.label] } } : undefined;
}
