import { z } from 'zod';
import type { Logger } from '../log/index.js';
import type { FileChange } from './events.js';

/**
 * Every request Codex sends the client is a question for someone: `CodexQuestion` is what Codex
 * wants, `QuestionAnswer` what was decided, and `QUESTION_METHODS` (one row per method of the
 * app-server's `ServerRequest` union, 0.169) turns the one into the other and the other into the
 * exact JSON reply the method expects. A method without a row becomes an `unknown` question, still
 * forwarded, answered with a JSON-RPC error (there is no decline shape we could know).
 */

/** What a person can decide; which ones make sense for a question is in its `decisions`. */
export type QuestionDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

interface QuestionBase {
  /** The JSON-RPC method Codex sent. */
  method: string;
  threadId?: string;
  turnId?: string;
  /** The item the question is about (`callId` for the legacy methods). */
  itemId?: string;
  reason?: string;
  /** The decisions Codex offers for this question, in the order to show them. */
  decisions: QuestionDecision[];
}

export interface CommandQuestion extends QuestionBase {
  kind: 'command';
  command?: string;
  cwd?: string;
  /** `command` (run a command), `humanCommand` or `writeStdin` (input to a running terminal). */
  action?: string;
  approvalId?: string;
}

export interface FileChangeQuestion extends QuestionBase {
  kind: 'file_change';
  /** The files and their patch; for `item/fileChange/requestApproval` from the item's `item/started`. */
  changes: FileChange[];
  /** Codex asks to write under this root for the rest of the session. */
  grantRoot?: string;
}

export interface PermissionsQuestion extends QuestionBase {
  kind: 'permissions';
  cwd?: string;
  /** Codex's requested profile (`{network, fileSystem}`), as sent. */
  permissions: Record<string, unknown>;
}

export interface UserInputQuestion extends QuestionBase {
  kind: 'user_input';
  questions: Array<{ id: string; header: string; question: string; isOther: boolean; isSecret: boolean; options: Array<{ label: string; description: string }> }>;
}

export interface ElicitationQuestion extends QuestionBase {
  kind: 'elicitation';
  serverName: string;
  mode: string;
  message: string;
  /** The form's JSON schema (form modes). */
  requestedSchema?: unknown;
  /** The page to open (`url` mode). */
  url?: string;
}

export interface ToolCallQuestion extends QuestionBase {
  kind: 'tool_call';
  tool: string;
  namespace?: string;
  arguments: unknown;
}

export interface UnknownQuestion extends QuestionBase {
  kind: 'unknown';
  params: unknown;
}

export type CodexQuestion = CommandQuestion | FileChangeQuestion | PermissionsQuestion | UserInputQuestion | ElicitationQuestion | ToolCallQuestion | UnknownQuestion;
export type QuestionKind = CodexQuestion['kind'];

export interface QuestionAnswer {
  decision: QuestionDecision;
  /** Free text: a user-input answer for every question, a tool's output, a reason. */
  text?: string;
  /** User-input answers by question id. */
  answers?: Record<string, string[]>;
  /** An accepted elicitation's content (matching its `requestedSchema`). */
  content?: unknown;
}

/** Answers a question; the driver calls it for every request Codex sends. */
export type QuestionHandler = (question: CodexQuestion, options: { signal: AbortSignal }) => Promise<QuestionAnswer>;

export const DECLINE: QuestionAnswer = Object.freeze({ decision: 'decline' });

/** The default handler: declines everything. */
export const declineAll: QuestionHandler = () => Promise.resolve(DECLINE);

/** Default for how long a handler may take before the question is declined: 10 minutes. */
export const DEFAULT_QUESTION_TIMEOUT_MS = 10 * 60_000;

/**
 * Asks the handler; one that throws, answers something malformed or takes longer than
 * `timeoutMs` declines (the handler's signal aborts then), so a bug never approves anything.
 * `settled` aborting (the turn ended, the process died) declines at once, aborting the handler's signal too.
 */
export async function ask(handler: QuestionHandler, question: CodexQuestion, log: Logger, timeoutMs = DEFAULT_QUESTION_TIMEOUT_MS, settled?: AbortSignal): Promise<QuestionAnswer> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onSettled: (() => void) | undefined;
  const timedOut = new Promise<QuestionAnswer>((resolve) => {
    timer = setTimeout(() => {
      log.warn({ method: question.method, kind: question.kind, timeoutMs }, 'a question to the client timed out; declining');
      controller.abort(new Error('the question timed out'));
      resolve(DECLINE);
    }, timeoutMs);
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
        (answer) => (answerSchema.safeParse(answer).success ? answer : (log.warn({ method: question.method }, 'the question handler answered an unknown decision; declining'), DECLINE)),
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

const answerSchema = z.object({ decision: z.enum(['accept', 'acceptForSession', 'decline', 'cancel']) }).passthrough();
