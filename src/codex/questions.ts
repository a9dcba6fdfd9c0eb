import type { Logger } from '../log/index.js';
import { QuestionAnswerSchema, type JobQuestion, type QuestionAnswer, type QuestionDecision } from '../protocol/index.js';

/**
 * Every request Codex sends the client is a question for someone: `CodexQuestion` is what Codex
 * wants, `QuestionAnswer` what was decided (the protocol's own types, so that a question travels to
 * the master and its answer back without a translation), and `QUESTION_METHODS` (one row per
 * method of the app-server's `ServerRequest` union, 0.169) turns the one into the other and the
 * other into the exact JSON reply the method expects. A method without a row becomes an `unknown` question, still
 * forwarded, answered with a JSON-RPC error (there is no decline shape we could know).
 */

/** A question as Codex asks it: the protocol's `JobQuestion` before the node gives it an id. */
export type CodexQuestion = WithoutId<JobQuestion>;
type WithoutId<Q> = Q extends unknown ? Omit<Q, 'id'> : never;
export type QuestionKind = CodexQuestion['kind'];
type OfKind<K extends QuestionKind> = Extract<CodexQuestion, { kind: K }>;
export type CommandQuestion = OfKind<'command'>;
/** Its `changes` carry the patch; for `item/fileChange/requestApproval` from the item's `item/started`. */
export type FileChangeQuestion = OfKind<'file_change'>;
export type PermissionsQuestion = OfKind<'permissions'>;
export type UserInputQuestion = OfKind<'user_input'>;
export type ElicitationQuestion = OfKind<'elicitation'>;
export type ToolCallQuestion = OfKind<'tool_call'>;
export type UnknownQuestion = OfKind<'unknown'>;
export type { QuestionAnswer, QuestionDecision };

/** Answers a question; the driver calls it for every request Codex sends. */
export type QuestionHandler = (question: CodexQuestion, options: { signal: AbortSignal }) => Promise<QuestionAnswer>;

/** The answer that approves nothing. */
export const DECLINE: QuestionAnswer = Object.freeze({ decision: 'decline' });

/** The default handler: declines everything. */
export const declineAll: QuestionHandler = () => Promise.resolve(DECLINE);

/** Default for how long a handler may take before the question is declined: 10 minutes. */
export const DEFAULT_QUESTION_TIMEOUT_MS = 10 * 60_000;

/** Who answers a turn's questions, and how long each may take. */
export interface QuestionPolicy {
  handler: QuestionHandler;
  /** Default 10 minutes; `Infinity`: no limit, the handler settles every question itself. */
  timeoutMs: number | undefined;
}

/** A turn's own handler and timeout where it has them (`RunTurnOptions`), else the driver's. */
export function turnPolicy(turn: { onQuestion?: QuestionHandler | undefined; questionTimeoutMs?: number | undefined }, driver: QuestionPolicy): QuestionPolicy {
  return { handler: turn.onQuestion ?? driver.handler, timeoutMs: turn.questionTimeoutMs ?? driver.timeoutMs };
}

/**
 * Asks the handler; one that throws, answers something malformed or takes longer than `timeoutMs`
 * (`Infinity`: no limit) declines (the handler's signal aborts then), so a bug never approves anything.
 * `settled` aborting (the turn ended, the process died) declines at once, aborting the handler's signal too.
 */
export async function ask(handler: QuestionHandler, question: CodexQuestion, log: Logger, timeoutMs = DEFAULT_QUESTION_TIMEOUT_MS, settled?: AbortSignal): Promise<QuestionAnswer> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onSettled: (() => void) | undefined;
  const timedOut = new Promise<QuestionAnswer>((resolve) => {
    const timeOut = () => {
      log.warn({ method: question.method, kind: question.kind, timeoutMs }, 'a question to the client timed out; declining');
      controller.abort(new Error('the question timed out'));
      resolve(DECLINE);
    };
    // setTimeout would take Infinity for 1 ms.
    if (Number.isFinite(timeoutMs)) timer = setTimeout(timeOut, timeoutMs);
    onSettled = () => {
      log.info({ method: question.method, kind: question.kind }, 'a question is moot (its turn ended); declining');
      controller.abort(new Error('the question is moot'));
      resolve(DECLINE);
    };
    if (settled?.aborted) onSettled();
    else settled?.addEventListener('abort', onSettled, { once: true });
  });
  try {
    const answered = Promise.resolve()
      .then(() => handler(question, { signal: controller.signal }))
      .then(
        (answer) => (QuestionAnswerSchema.safeParse(answer).success ? answer : (log.warn({ method: question.method }, 'the question handler answered something malformed; declining'), DECLINE)),
        (error: unknown) => {
          log.warn({ err: error, method: question.method }, 'the question handler threw; declining');
          return DECLINE;
        },
      );
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
    if (onSettled) settled?.removeEventListener('abort', onSettled);
  }
}
