import { z } from 'zod';
import { UnsupportedServerRequestError } from './errors.js';
import { applyPatch, execCommand } from './legacy-question-methods.js';
import { APPROVAL_DECISIONS, DECLINE_ONLY, approvalReply, optional, str, type MethodRow } from './method-row.js';
import type { CodexQuestion, CommandQuestion, ElicitationQuestion, FileChangeQuestion, PermissionsQuestion, QuestionAnswer, QuestionDecision, ToolCallQuestion, UnknownQuestion, UserInputQuestion } from './questions.js';

const commandParams = z.object({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  kind: str,
  approvalId: str,
  reason: str,
  command: str,
  cwd: str,
  availableDecisions: z.array(z.unknown()).nullish(),
});

/**
 * The decisions of `availableDecisions` we can express, as Codex sends them (0.169 sends e.g.
 * `accept`, `acceptWithExecpolicyAmendment`, `cancel` for an escalated command); all four without it.
 */
function offered(available: unknown[] | null | undefined): QuestionDecision[] {
  if (!available) return APPROVAL_DECISIONS;
  const known = APPROVAL_DECISIONS.filter((d) => available.includes(d));
  return known.length > 0 ? known : APPROVAL_DECISIONS;
}

const command: MethodRow<CommandQuestion> = {
  kind: 'command',
  params: commandParams,
  parse(method, params) {
    const p = commandParams.parse(params);
    return {
      kind: 'command',
      method,
      threadId: p.threadId,
      turnId: p.turnId,
      itemId: p.itemId,
      ...optional('command', p.command),
      ...optional('cwd', p.cwd),
      ...optional('reason', p.reason),
      ...optional('action', p.kind),
      ...optional('approvalId', p.approvalId),
      decisions: offered(p.availableDecisions),
    };
  },
  reply: approvalReply,
};

const fileChangeParams = z.object({ threadId: z.string(), turnId: z.string(), itemId: z.string(), reason: str, grantRoot: str });

const fileChange: MethodRow<FileChangeQuestion> = {
  kind: 'file_change',
  params: fileChangeParams,
  parse(method, params) {
    const p = fileChangeParams.parse(params);
    return { kind: 'file_change', method, threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, changes: [], ...optional('reason', p.reason), ...optional('grantRoot', p.grantRoot), decisions: APPROVAL_DECISIONS };
  },
  reply: approvalReply,
};

const permissionsParams = z.object({ threadId: z.string(), turnId: z.string(), itemId: z.string(), cwd: str, reason: str, permissions: z.record(z.string(), z.unknown()) });

/** Granting gives what was asked (its set parts); declining grants nothing. */
const permissions: MethodRow<PermissionsQuestion> = {
  kind: 'permissions',
  params: permissionsParams,
  parse(method, params) {
    const p = permissionsParams.parse(params);
    return { kind: 'permissions', method, threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, ...optional('cwd', p.cwd), ...optional('reason', p.reason), permissions: p.permissions, decisions: ['accept', 'acceptForSession', 'decline'] };
  },
  reply(question, answer) {
    const granted = answer.decision === 'accept' || answer.decision === 'acceptForSession';
    const asked = Object.fromEntries(Object.entries(question.permissions).filter(([, value]) => value !== null && value !== undefined));
    return { permissions: granted ? asked : {}, scope: answer.decision === 'acceptForSession' ? 'session' : 'turn' };
  },
};

const userInputParams = z.object({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  questions: z.array(
    z.object({
      id: z.string(),
      header: z.string(),
      question: z.string(),
      isOther: z.boolean().default(false),
      isSecret: z.boolean().default(false),
      options: z.array(z.object({ label: z.string(), description: z.string().default('') })).nullish(),
    }),
  ),
});

/** Answers by question id; `text` answers every question left unanswered. Declining answers nothing. */
const userInput: MethodRow<UserInputQuestion> = {
  kind: 'user_input',
  params: userInputParams,
  parse(method, params) {
    const p = userInputParams.parse(params);
    return { kind: 'user_input', method, threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, questions: p.questions.map((q) => ({ ...q, options: q.options ?? [] })), decisions: DECLINE_ONLY };
  },
  reply(question, answer) {
    const answers: Record<string, { answers: string[] }> = {};
    if (answer.decision === 'accept' || answer.decision === 'acceptForSession') {
      for (const q of question.questions) {
        const given = answer.answers?.[q.id] ?? (answer.text === undefined ? undefined : [answer.text]);
        if (given) answers[q.id] = { answers: given };
      }
    }
    return { answers };
  },
};

const elicitationParams = z.object({
  threadId: z.string(),
  turnId: z.string().nullish(),
  serverName: z.string(),
  mode: z.string(),
  message: z.string().default(''),
  requestedSchema: z.unknown().optional(),
  url: str,
});

/** Always an `action` (an empty `{}` reads as a rejection); `content` only when accepted. */
const elicitation: MethodRow<ElicitationQuestion> = {
  kind: 'elicitation',
  params: elicitationParams,
  parse(method, params) {
    const p = elicitationParams.parse(params);
    return {
      kind: 'elicitation',
      method,
      threadId: p.threadId,
      ...optional('turnId', p.turnId),
      serverName: p.serverName,
      mode: p.mode,
      message: p.message,
      ...(p.requestedSchema !== undefined && { requestedSchema: p.requestedSchema }),
      ...optional('url', p.url),
      decisions: ['accept', 'decline', 'cancel'],
    };
  },
  reply(question, answer) {
    if (answer.decision === 'accept' || answer.decision === 'acceptForSession') {
      return { action: 'accept', content: answer.content ?? (question.mode === 'url' ? null : {}), _meta: null };
    }
    return { action: answer.decision === 'cancel' ? 'cancel' : 'decline', content: null, _meta: null };
  },
};

const toolCallParams = z.object({ threadId: z.string(), turnId: z.string(), callId: z.string(), namespace: str, tool: z.string(), arguments: z.unknown() });

/** We register no dynamic tools: an accepted call returns `text` as its output, else it failed. */
const toolCall: MethodRow<ToolCallQuestion> = {
  kind: 'tool_call',
  params: toolCallParams,
  parse(method, params) {
    const p = toolCallParams.parse(params);
    return { kind: 'tool_call', method, threadId: p.threadId, turnId: p.turnId, itemId: p.callId, tool: p.tool, ...optional('namespace', p.namespace), arguments: p.arguments, decisions: DECLINE_ONLY };
  },
  reply(_question, answer) {
    const ok = answer.decision === 'accept' && answer.text !== undefined;
    return { contentItems: [{ type: 'inputText', text: ok ? answer.text : (answer.text ?? 'the client declined this tool call') }], success: ok };
  },
};

/** Requests that are not questions for a person (credentials of an account we do not use). */
const refused: MethodRow<UnknownQuestion> = {
  kind: 'unknown',
  parse: (method, params) => unknownQuestion(method, params),
  reply(question) {
    throw new UnsupportedServerRequestError(question.method);
  },
};

/**
 * One row per method of the app-server's `ServerRequest` union (0.171): how its params become a
 * `CodexQuestion`, and how an answer becomes the exact JSON reply the method expects.
 */
export const QUESTION_METHODS: Readonly<Record<string, MethodRow>> = {
  'item/commandExecution/requestApproval': command,
  'item/fileChange/requestApproval': fileChange,
  'item/permissions/requestApproval': permissions,
  'item/tool/requestUserInput': userInput,
  'mcpServer/elicitation/request': elicitation,
  'item/tool/call': toolCall,
  applyPatchApproval: applyPatch,
  execCommandApproval: execCommand,
  'account/chatgptAuthTokens/refresh': refused,
  'attestation/generate': refused,
};

function unknownQuestion(method: string, params: unknown): UnknownQuestion {
  const ids = z.object({ threadId: z.string().optional(), turnId: z.string().optional(), itemId: z.string().optional() }).safeParse(params);
  const known = ids.success ? ids.data : {};
  return {
    kind: 'unknown',
    method,
    ...optional('threadId', known.threadId),
    ...optional('turnId', known.turnId),
    ...optional('itemId', known.itemId),
    params,
    decisions: ['decline'],
  };
}

/**
 * The question a request asks. A method without a row, or params that do not have the row's
 * shape (a newer Codex), become an `unknown` question carrying the method and raw params.
 */
export function parseQuestion(method: string, params: unknown): CodexQuestion {
  const row = QUESTION_METHODS[method];
  if (row) {
    try {
      return row.parse(method, params);
    } catch {
      // falls through: forwarded as unknown, answered with an error rather than a guessed shape
    }
  }
  return unknownQuestion(method, params);
}

/**
 * The JSON reply to a question. An `unknown` question (or one whose method has no row) throws
 * `UnsupportedServerRequestError`, which the client sends as a JSON-RPC error.
 */
export function replyTo(question: CodexQuestion, answer: QuestionAnswer): unknown {
  const row = QUESTION_METHODS[question.method];
  if (!row || row.kind !== question.kind || question.kind === 'unknown') throw new UnsupportedServerRequestError(question.method);
  return row.reply(question, answer);
}
