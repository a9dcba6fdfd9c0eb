import { z } from 'zod';
import { NOTICE_PARSERS, NOTICE_SCHEMAS, type TurnNotice } from './turn-notices.js';

/** Tokens of one model request or a sum of them (Codex's `TokenUsageBreakdown`). */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
}

export type FileChangeKind = 'add' | 'delete' | 'update';

/** One file of a `file_change` event; line counts come from Codex's per-file diff. */
export interface FileChange {
  path: string;
  kind: FileChangeKind;
  /** Where an update moved the file, if it did. */
  movePath?: string;
  diff?: string;
  added: number;
  removed: number;
}

export type TurnStatus = 'completed' | 'interrupted' | 'failed';
/** Codex's item status: `declined` means an approval was refused. */
export type ItemStatus = 'inProgress' | 'completed' | 'failed' | 'declined';

/** What a running turn reports, mapped from app-server notifications or MCP `codex/event`s (and approval requests). */
export type CodexEvent =
  | { type: 'turn_started'; threadId: string; turnId: string }
  | { type: 'agent_message'; itemId: string; text: string }
  | { type: 'agent_message_delta'; itemId: string; delta: string }
  | { type: 'command_started'; itemId: string; command: string; cwd: string }
  | { type: 'command_finished'; itemId: string; command: string; cwd: string; status: ItemStatus; exitCode: number | null; output: string; durationMs: number | null }
  | { type: 'file_change'; itemId: string; status: ItemStatus; changes: FileChange[] }
  | { type: 'token_usage'; last: TokenUsage; total: TokenUsage; modelContextWindow: number | null }
  | { type: 'reasoning'; itemId: string; summary: string[]; content: string[] }
  | { type: 'error'; message: string; code?: string; willRetry: boolean }
  | { type: 'approval_request'; kind: 'command' | 'file_change'; itemId: string; command?: string; cwd?: string; reason?: string; decision: ApprovalDecision }
  | { type: 'turn_completed'; status: TurnStatus; error?: string; errorCode?: string }
  | TurnNotice
  | { type: 'other'; method: string };

/** The answers Codex accepts for both command and file-change approvals. */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** An event and the thread and turn it belongs to, when the notification names them. */
export interface RoutedEvent {
  threadId?: string;
  turnId?: string;
  event: CodexEvent;
}

const itemStatus = z.enum(['inProgress', 'completed', 'failed', 'declined']);
const usage = z.object({ inputTokens: z.number(), cachedInputTokens: z.number(), outputTokens: z.number(), reasoningOutputTokens: z.number(), totalTokens: z.number() });
const route = z.object({ threadId: z.string().optional(), turnId: z.string().optional() });

/** `TurnError`: `codexErrorInfo` is a string code or a one-key object such as `{httpConnectionFailed: …}`. */
const turnError = z.object({ message: z.string(), codexErrorInfo: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() });

const commandItem = z.object({
  type: z.literal('commandExecution'),
  id: z.string(),
  command: z.string(),
  cwd: z.string(),
  status: itemStatus,
  aggregatedOutput: z.string().nullish(),
  exitCode: z.number().nullish(),
  durationMs: z.number().nullish(),
});
const fileChangeItem = z.object({
  type: z.literal('fileChange'),
  id: z.string(),
  status: itemStatus,
  changes: z.array(z.object({ path: z.string(), kind: z.object({ type: z.enum(['add', 'delete', 'update']), move_path: z.string().nullish() }), diff: z.string().nullish() })),
});
const agentMessageItem = z.object({ type: z.literal('agentMessage'), id: z.string(), text: z.string() });
const reasoningItem = z.object({ type: z.literal('reasoning'), id: z.string(), summary: z.array(z.string()), content: z.array(z.string()) });
const itemParams = z.object({ item: z.object({ type: z.string() }).loose() });
const turnStartedParams = z.object({ threadId: z.string(), turn: z.object({ id: z.string() }) });
const turnCompletedParams = z.object({ turn: z.object({ status: z.enum(['completed', 'interrupted', 'failed']), error: turnError.nullish() }) });
const deltaParams = z.object({ itemId: z.string(), delta: z.string() });
const tokenUsageParams = z.object({ tokenUsage: z.object({ total: usage, last: usage, modelContextWindow: z.number().nullish() }) });
const errorParams = z.object({ error: turnError, willRetry: z.boolean() });

/** The part of each notification this module uses; anything else becomes an `other` event. */
const parsers: Record<string, (params: unknown) => CodexEvent | undefined> = {
  'turn/started': (params) => {
    const { threadId, turn } = turnStartedParams.parse(params);
    return { type: 'turn_started', threadId, turnId: turn.id };
  },
  'turn/completed': (params) => {
    const { turn } = turnCompletedParams.parse(params);
    const code = errorCode(turn.error);
    return { type: 'turn_completed', status: turn.status, ...(turn.error && { error: turn.error.message }), ...(code && { errorCode: code }) };
  },
  'item/agentMessage/delta': (params) => {
    const { itemId, delta } = deltaParams.parse(params);
    return { type: 'agent_message_delta', itemId, delta };
  },
  'item/started': (params) => {
    const { item } = itemParams.parse(params);
    if (item.type !== 'commandExecution') return undefined;
    const command = commandItem.parse(item);
    return { type: 'command_started', itemId: command.id, command: command.command, cwd: command.cwd };
  },
  'item/completed': (params) => completedItem(itemParams.parse(params).item),
  'thread/tokenUsage/updated': (params) => {
    const { tokenUsage } = tokenUsageParams.parse(params);
    return { type: 'token_usage', last: tokenUsage.last, total: tokenUsage.total, modelContextWindow: tokenUsage.modelContextWindow ?? null };
  },
  error: (params) => {
    const { error, willRetry } = errorParams.parse(params);
    const code = errorCode(error);
    return { type: 'error', message: error.message, ...(code && { code }), willRetry };
  },
  ...NOTICE_PARSERS,
};

/**
 * What each notification this module maps reads of its params: the protocol drift check
 * (`protocol-drift.ts`) compares these fields with the running binary's own schema.
 */
export const RELIED_NOTIFICATIONS: Readonly<Record<string, z.ZodType>> = {
  'turn/started': turnStartedParams,
  'turn/completed': turnCompletedParams,
  'item/agentMessage/delta': deltaParams,
  'item/started': z.object({ item: z.union([commandItem, fileChangeItem]) }),
  'item/completed': z.object({ item: z.union([agentMessageItem, commandItem, fileChangeItem, reasoningItem]) }),
  'thread/tokenUsage/updated': tokenUsageParams,
  error: errorParams,
  ...NOTICE_SCHEMAS,
};

/**
 * The changes of a file-change item from its `item/started` (which is no event of its own): the
 * patch that the item's `item/fileChange/requestApproval`, naming only the item, asks about.
 */
export function startedFileChange(params: unknown): { itemId: string; changes: FileChange[] } | undefined {
  const parsed = itemParams.safeParse(params);
  if (!parsed.success || parsed.data.item.type !== 'fileChange') return undefined;
  const item = fileChangeItem.safeParse(parsed.data.item);
  if (!item.success) return undefined;
  return { itemId: item.data.id, changes: item.data.changes.map((change) => toFileChange(change.path, change.kind.type, change.kind.move_path, change.diff)) };
}

function completedItem(item: { type: string }): CodexEvent | undefined {
  switch (item.type) {
    case 'agentMessage': {
      const { id, text } = agentMessageItem.parse(item);
      return { type: 'agent_message', itemId: id, text };
    }
    case 'commandExecution': {
      const c = commandItem.parse(item);
      return { type: 'command_finished', itemId: c.id, command: c.command, cwd: c.cwd, status: c.status, exitCode: c.exitCode ?? null, output: c.aggregatedOutput ?? '', durationMs: c.durationMs ?? null };
    }
    case 'fileChange': {
      const { id, status, changes } = fileChangeItem.parse(item);
      return { type: 'file_change', itemId: id, status, changes: changes.map((change) => toFileChange(change.path, change.kind.type, change.kind.move_path, change.diff)) };
    }
    case 'reasoning': {
      const { id, summary, content } = reasoningItem.parse(item);
      return { type: 'reasoning', itemId: id, summary, content };
    }
    default:
      return undefined;
  }
}

function errorCode(error: z.infer<typeof turnError> | null | undefined): string | undefined {
  const info = error?.codexErrorInfo;
  return typeof info === 'string' ? info : info ? Object.keys(info)[0] : undefined;
}

/** One changed file with its line counts; `diff` is the whole content for an added or deleted file. */
export function toFileChange(path: string, kind: FileChangeKind, movePath: string | null | undefined, diff: string | null | undefined): FileChange {
  const change: FileChange = { path, kind, ...countLines(kind, diff ?? '') };
  if (movePath) change.movePath = movePath;
  if (diff) change.diff = diff;
  return change;
}

/** For an added or deleted file Codex sends the whole content; for an update, unified-diff hunks. */
function countLines(kind: FileChangeKind, diff: string): { added: number; removed: number } {
  const body = diff.endsWith('\n') ? diff.slice(0, -1) : diff;
  const lines = body === '' ? [] : body.split('\n');
  if (kind === 'add') return { added: lines.length, removed: 0 };
  if (kind === 'delete') return { added: 0, removed: lines.length };
  let added = 0;
  let removed = 0;
  let inHunk = false;
  for (const line of lines) {
    if (line.startsWith('@@')) inHunk = true;
    else if (inHunk && line.startsWith('+')) added++;
    else if (inHunk && line.startsWith('-')) removed++;
  }
  return { added, removed };
}

/**
 * Maps one app-server notification to an event. Never throws: a notification this module does not
 * use, or one whose shape changed, becomes `{type: 'other', method}` (`malformed` says which).
 */
export function parseNotification(method: string, params: unknown): RoutedEvent & { malformed?: Error } {
  const { threadId, turnId } = route.safeParse(params).data ?? {};
  const routed = (event: CodexEvent): RoutedEvent => ({ ...(threadId && { threadId }), ...(turnId && { turnId }), event });
  try {
    return routed(parsers[method]?.(params) ?? { type: 'other', method });
  } catch (error) {
    return { ...routed({ type: 'other', method }), malformed: error instanceof Error ? error : new Error(String(error)) };
  }
}
