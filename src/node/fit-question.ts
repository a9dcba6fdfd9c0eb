import type { JobQuestion } from '../protocol/index.js';
import { encodedBytes, isHighSurrogate, largestFitting, mapStrings } from './fit-event.js';

/** Diff text one question carries at most, over all its files: enough to review a change, not a generated file's megabytes. */
export const MAX_QUESTION_DIFF_CHARS = 64 * 1024;
/** Any other string of a question at most: a command, a message, a string in a tool's arguments. */
export const MAX_QUESTION_STRING_CHARS = 16 * 1024;
/** Cutting to fit a frame stops here: shorter strings would say nothing. */
const MIN_STRING_CHARS = 128;
/** What a `question` event adds around its question in a `job_events` frame (seq, time, kinds, the envelope), with room to spare. */
const EVENT_OVERHEAD_BYTES = 512;
/** The protocol's caps (`JobQuestionSchema`) on a question's own fields and lists. */
const FIELD_CAPS: Readonly<Record<string, number>> = { method: 200, threadId: 200, turnId: 200, itemId: 200, reason: 10_000, action: 64, approvalId: 200 };
const MAX_FILES = 1000;
const MAX_USER_QUESTIONS = 50;

/**
 * The question as the node forwards it: within the protocol's caps, and small enough to travel as a
 * `question` event in one frame of `frameBytes`, so that `fitEvent` never has to replace it (which
 * would leave nobody to answer it). Diffs share MAX_QUESTION_DIFF_CHARS, other strings are cut at
 * MAX_QUESTION_STRING_CHARS, and, when that is still too large, every string at one shorter length;
 * a question too large even then loses its details (files, permissions, arguments, params), as its
 * reason says. Every cut notes what was left out. Codex still gets its reply: the driver keeps the
 * question as it came.
 */
export function fitQuestion(question: JobQuestion, frameBytes: number): JobQuestion {
  const maxBytes = frameBytes - EVENT_OVERHEAD_BYTES;
  const capped = withinDiffBudget(withinListCaps(capStrings(question, MAX_QUESTION_STRING_CHARS, false)));
  return shortenToFit(capped, maxBytes) ?? shortenToFit(withoutDetails(capped), maxBytes) ?? capStrings(withoutDetails(capped), MIN_STRING_CHARS, true);
}

/** `text` cut to at most `max` characters, a note of how many were left out (and `why`) included, when `max` has room for it. */
export function cutText(text: string, max: number, why?: string): string {
  if (text.length <= max) return text;
  const note = (left: number) => `\n[… ${left} more characters left out by the node${why === undefined ? '' : `: ${why}`}]`;
  let end = Math.max(0, max - note(text.length).length);
  // Never split a surrogate pair: half a character would not survive the trip as UTF-8.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${note(text.length - end)}`;
}

/**
 * Every string cut at `cap` (the question's own fields at their protocol cap, if lower). The file
 * list only with `changesToo`: its diffs have their own budget, and its paths are short.
 */
function capStrings(question: JobQuestion, cap: number, changesToo: boolean): JobQuestion {
  const cut = (text: string) => cutText(text, cap);
  const entries = Object.entries(question).map(([key, value]) => {
    if (typeof value === 'string') return [key, cutText(value, Math.min(cap, FIELD_CAPS[key] ?? cap))];
    return [key, key === 'changes' && !changesToo ? value : mapStrings(value, cut)];
  });
  return Object.fromEntries(entries) as JobQuestion;
}

/** The longest cap (by bisection) at which the question fits `maxBytes`; undefined when none does. */
function shortenToFit(question: JobQuestion, maxBytes: number): JobQuestion | undefined {
  if (encodedBytes(question) <= maxBytes) return question;
  // No string is longer than MAX_QUESTION_DIFF_CHARS once the first caps and the diff budget are applied.
  return largestFitting(MIN_STRING_CHARS, MAX_QUESTION_DIFF_CHARS, maxBytes, (cap) => capStrings(question, cap, true));
}

/** The files' diffs, in order, until their budget is spent; the rest are cut, or only say they were left out. */
function withinDiffBudget(question: JobQuestion): JobQuestion {
  if (question.kind !== 'file_change') return question;
  let left = MAX_QUESTION_DIFF_CHARS;
  const changes = question.changes.map((change) => {
    if (change.diff === undefined || change.diff.length <= left) {
      left -= change.diff?.length ?? 0;
      return change;
    }
    const diff = cutText(change.diff, left, `it forwards at most ${MAX_QUESTION_DIFF_CHARS / 1024} KiB of diffs per question`);
    left = 0;
    return { ...change, diff };
  });
  return { ...question, changes };
}

function withinListCaps(question: JobQuestion): JobQuestion {
  if (question.kind === 'file_change' && question.changes.length > MAX_FILES) {
    return noted({ ...question, changes: question.changes.slice(0, MAX_FILES) }, `the node left out ${question.changes.length - MAX_FILES} more files: it forwards at most ${MAX_FILES}`);
  }
  if (question.kind === 'user_input' && question.questions.length > MAX_USER_QUESTIONS) {
    return noted({ ...question, questions: question.questions.slice(0, MAX_USER_QUESTIONS) }, `the node left out ${question.questions.length - MAX_USER_QUESTIONS} more questions: it forwards at most ${MAX_USER_QUESTIONS}`);
  }
  return question;
}

/** The question without the bulk of its kind, for a frame too small for anything else. */
function withoutDetails(question: JobQuestion): JobQuestion {
  const note = "the node left out this question's details: it was larger than the master's frame limit";
  switch (question.kind) {
    case 'file_change':
      return noted({ ...question, changes: [] }, note);
    case 'permissions':
      return noted({ ...question, permissions: {} }, note);
    case 'tool_call':
      return noted({ ...question, arguments: null }, note);
    case 'unknown':
      return noted({ ...question, params: null }, note);
    case 'elicitation':
      return noted({ ...question, requestedSchema: undefined }, note);
    default:
      return question;
  }
}

/** The question with `note` added to its reason (within the reason's cap, the note kept whole). */
function noted<Q extends JobQuestion>(question: Q, note: string): Q {
  const tail = `[${note}]`;
  const reason = question.reason === undefined ? tail : `${cutText(question.reason, (FIELD_CAPS.reason ?? 0) - tail.length - 1)}\n${tail}`;
  return { ...question, reason };
}
