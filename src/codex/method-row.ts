import { z } from 'zod';
import type { CodexQuestion, QuestionAnswer, QuestionDecision } from './questions.js';

/** Every approval decision Codex's command and file-change approvals take. */
export const APPROVAL_DECISIONS: QuestionDecision[] = ['accept', 'acceptForSession', 'decline', 'cancel'];
/** Questions that can only be answered or declined. */
export const DECLINE_ONLY: QuestionDecision[] = ['accept', 'decline'];

/** How one server request's params become a `CodexQuestion`, and an answer the exact reply it expects. */
export interface MethodRow<Q extends CodexQuestion = CodexQuestion> {
  kind: Q['kind'];
  /** What `parse` reads (checked against the binary's schema by the drift check); absent for refused methods. */
  params?: z.ZodType;
  parse(method: string, params: unknown): Q;
  reply(question: Q, answer: QuestionAnswer): unknown;
}

/** An optional string field as Codex sends one (absent or null). */
export const str = z.string().nullish();
/** `{[key]: value}` when the value is a non-empty string, else nothing. */
export const optional = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> => (value ? ({ [key]: value } as Record<K, string>) : {});

/**
 * Approvals take an offered decision as is; anything else declines. `decline` is always a valid
 * answer (the response type has it, and Codex 0.169 honours it even when not listed as offered).
 */
export function approvalReply(question: CodexQuestion, answer: QuestionAnswer): { decision: QuestionDecision } {
  return { decision: question.decisions.includes(answer.decision) ? answer.decision : 'decline' };
}

/** A decision as the legacy (v1) approvals and the 0.153 MCP server take it: a `ReviewDecision`; `denied` carries what the model is told. */
export function toReviewDecision(decision: QuestionDecision, rejection: string): { decision: unknown } {
  switch (decision) {
    case 'accept':
      return { decision: 'approved' };
    case 'acceptForSession':
      return { decision: 'approved_for_session' };
    case 'cancel':
      return { decision: 'abort' };
    case 'decline':
      return { decision: { denied: { rejection } } };
  }
}

/** The legacy (v1) approvals answer with a `ReviewDecision`. */
export function reviewDecision(question: CodexQuestion, answer: QuestionAnswer): { decision: unknown } {
  return toReviewDecision(approvalReply(question, answer).decision, answer.text ?? 'declined');
}

