import type { JobQuestion, QuestionAnswer, QuestionDecision } from '../../../api/question-types';
import { text } from '../../../i18n/active';

/** What a person has filled in so far, before they press a decision. */
export interface Draft {
  /** User input: the option picked, by question id. */
  picks: Record<string, string>;
  /** User input: the answer typed, by question id (it wins over a picked option). */
  typed: Record<string, string>;
  /** An elicitation's content, as JSON text. */
  content: string;
  /** A tool call's output. */
  text: string;
}

export function initialDraft(question: JobQuestion): Draft {
  return { picks: {}, typed: {}, content: question.kind === 'elicitation' ? contentSkeleton(question.requestedSchema) : '', text: '' };
}

/** A decision and what the question's kind takes with it, or why it cannot be sent yet. */
export function buildAnswer(question: JobQuestion, decision: QuestionDecision, draft: Draft): { answer: QuestionAnswer } | { error: string } {
  const accepting = decision === 'accept' || decision === 'acceptForSession';
  if (!accepting) return { answer: { decision } };
  switch (question.kind) {
    case 'user_input':
      return userInputAnswer(question.questions, decision, draft);
    case 'elicitation':
      return question.mode === 'url' ? { answer: { decision } } : elicitationAnswer(decision, draft.content);
    case 'tool_call':
      // Codex counts an accepted call without output as failed: ask for the output instead.
      return draft.text.trim() === '' ? { error: text().questions.needOutput } : { answer: { decision, text: draft.text } };
    default:
      return { answer: { decision } };
  }
}

function userInputAnswer(items: readonly { id: string }[], decision: QuestionDecision, draft: Draft): { answer: QuestionAnswer } | { error: string } {
  const answers: Record<string, string[]> = {};
  for (const { id } of items) {
    const given = draft.typed[id]?.trim() || draft.picks[id];
    if (given) answers[id] = [given];
  }
  if (Object.keys(answers).length === 0) return { error: text().questions.needAnswer };
  return { answer: { decision, answers } };
}

function elicitationAnswer(decision: QuestionDecision, content: string): { answer: QuestionAnswer } | { error: string } {
  try {
    return { answer: { decision, content: JSON.parse(content) as unknown } };
  } catch (error) {
    return { error: text().questions.notJson(error instanceof Error ? error.message : String(error)) };
  }
}

const EMPTY_VALUE: Record<string, unknown> = { string: '', number: 0, integer: 0, boolean: false, array: [] };

/**
 * A starting point for an elicitation's content: the requested schema's properties with empty
 * values of their types (`{}` when it names none), so a person fills in values rather than braces.
 */
export function contentSkeleton(schema: unknown): string {
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  const skeleton = Object.fromEntries(
    Object.entries(properties).map(([key, property]) => {
      const type = isObject(property) && typeof property.type === 'string' ? property.type : 'string';
      return [key, isObject(property) && 'default' in property ? property.default : (EMPTY_VALUE[type] ?? null)];
    }),
  );
  return JSON.stringify(skeleton, null, 2);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
