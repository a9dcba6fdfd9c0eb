import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { toFileChange, type CodexEvent, type ItemStatus, type RoutedEvent, type TokenUsage } from './events.js';
import { shellJoin } from './shell-join.js';

/** A `codex/event` notification of the legacy MCP server, mapped, with the tool call it belongs to. */
export interface McpRoutedEvent extends RoutedEvent {
  /** The id of the `tools/call` request that runs the turn (`_meta.requestId`). */
  requestId?: string;
  /** Set when a known event had an unexpected shape; the event is then `other`. */
  malformed?: Error;
}

/** Which turn an event belongs to: every `codex/event` names its tool call and thread in `_meta`. */
const envelope = z.object({
  _meta: z.object({ requestId: z.union([z.string(), z.number()]).optional(), threadId: z.string().optional() }).optional(),
  id: z.string().optional(),
  msg: z.object({ type: z.string(), turn_id: z.string().optional() }).loose(),
});

const usage = z
  .object({ input_tokens: z.number(), cached_input_tokens: z.number(), output_tokens: z.number(), reasoning_output_tokens: z.number(), total_tokens: z.number() })
  .transform((u): TokenUsage => ({ inputTokens: u.input_tokens, cachedInputTokens: u.cached_input_tokens, outputTokens: u.output_tokens, reasoningOutputTokens: u.reasoning_output_tokens, totalTokens: u.total_tokens }));
/** A string code (`internal_server_error`) or a one-key object (`{response_stream_disconnected: …}`). */
const errorInfo = z.union([z.string(), z.record(z.string(), z.unknown())]).nullish();
const status = z.enum(['completed', 'failed', 'declined']).optional().catch(undefined);
const command = z.object({ call_id: z.string(), command: z.array(z.string()), cwd: z.string() });
const commandEnd = command.extend({
  exit_code: z.number().nullish(),
  aggregated_output: z.string().nullish(),
  duration: z.object({ secs: z.number(), nanos: z.number() }).nullish(),
  status,
});
const fileChange = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), content: z.string() }),
  z.object({ type: z.literal('delete'), content: z.string().nullish() }),
  z.object({ type: z.literal('update'), unified_diff: z.string(), move_path: z.string().nullish() }),
]);
const patchEnd = z.object({ call_id: z.string(), success: z.boolean(), changes: z.record(z.string(), fileChange), status });
const tokenCount = z.object({ info: z.object({ total_token_usage: usage, last_token_usage: usage, model_context_window: z.number().nullish() }).nullish() });
const error = z.object({ message: z.string(), codex_error_info: errorInfo, additional_details: z.string().nullish() });

type Parser = (msg: unknown, threadId: string | undefined) => CodexEvent | undefined;

/** The events a job uses, by `msg.type`, as Codex 0.153.4 sends them; the rest become `other`. */
const parsers: Record<string, Parser> = {
  task_started: (msg, threadId) => ({ type: 'turn_started', threadId: z.string().parse(threadId), turnId: z.object({ turn_id: z.string() }).parse(msg).turn_id }),
  // 0.153's agent_message names no item; nothing downstream needs one.
  agent_message: (msg) => ({ type: 'agent_message', itemId: '', text: z.object({ message: z.string() }).parse(msg).message }),
  agent_message_content_delta: (msg) => {
    const { item_id, delta } = z.object({ item_id: z.string(), delta: z.string() }).parse(msg);
    return { type: 'agent_message_delta', itemId: item_id, delta };
  },
  exec_command_begin: (msg) => {
    const begin = command.parse(msg);
    return { type: 'command_started', itemId: begin.call_id, command: shellJoin(begin.command), cwd: localPath(begin.cwd) };
  },
  exec_command_end: (msg) => commandFinished(commandEnd.parse(msg)),
  patch_apply_end: (msg) => {
    const end = patchEnd.parse(msg);
    const changes = Object.entries(end.changes).map(([path, change]) =>
      change.type === 'update' ? toFileChange(path, 'update', change.move_path, change.unified_diff) : toFileChange(path, change.type, undefined, change.content),
    );
    return { type: 'file_change', itemId: end.call_id, status: end.status ?? (end.success ? 'completed' : 'failed'), changes };
  },
  token_count: (msg) => {
    const { info } = tokenCount.parse(msg);
    return info ? { type: 'token_usage', last: info.last_token_usage, total: info.total_token_usage, modelContextWindow: info.model_context_window ?? null } : undefined;
  },
  error: (msg) => errorEvent(error.parse(msg), false),
  stream_error: (msg) => errorEvent(error.parse(msg), true),
  task_complete: () => ({ type: 'turn_completed', status: 'completed' }),
  turn_aborted: () => ({ type: 'turn_completed', status: 'interrupted' }),
};

function commandFinished(end: z.infer<typeof commandEnd>): CodexEvent {
  const exitCode = end.exit_code ?? null;
  const itemStatus: ItemStatus = end.status ?? (exitCode === 0 ? 'completed' : 'failed');
  const durationMs = end.duration ? Math.round(end.duration.secs * 1000 + end.duration.nanos / 1e6) : null;
  const base = { itemId: end.call_id, command: shellJoin(end.command), cwd: localPath(end.cwd) };
  return { type: 'command_finished', ...base, status: itemStatus, exitCode, output: end.aggregated_output ?? '', durationMs };
}

function errorEvent({ message, codex_error_info, additional_details }: z.infer<typeof error>, willRetry: boolean): CodexEvent {
  const info = typeof codex_error_info === 'string' ? codex_error_info : codex_error_info ? Object.keys(codex_error_info)[0] : undefined;
  // The app-server spells the same codes in camelCase; one spelling serves both transports.
  const code = info?.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return { type: 'error', message: additional_details ? `${message} (${additional_details})` : message, ...(code && { code }), willRetry };
}

/** 0.153 sends a command's cwd as a `file://` URL (and elsewhere as a path). */
function localPath(cwd: string): string {
  return cwd.startsWith('file://') ? fileURLToPath(cwd) : cwd;
}

/**
 * Maps the params of one `codex/event` notification. Never throws: an event a job does not use,
 * or one whose shape changed, becomes `{type: 'other', method: 'codex/event/<type>'}`.
 */
export function parseMcpEvent(params: unknown): McpRoutedEvent {
  const parsed = envelope.safeParse(params);
  if (!parsed.success) return { event: { type: 'other', method: 'codex/event' }, malformed: parsed.error };
  const { _meta: meta, id, msg } = parsed.data;
  const turnId = msg.turn_id ?? (id || undefined);
  const at = { ...(meta?.requestId !== undefined && { requestId: String(meta.requestId) }), ...(meta?.threadId && { threadId: meta.threadId }), ...(turnId && { turnId }) };
  const other: CodexEvent = { type: 'other', method: `codex/event/${msg.type}` };
  try {
    return { ...at, event: parsers[msg.type]?.(msg, meta?.threadId) ?? other };
  } catch (failure) {
    return { ...at, event: other, malformed: failure instanceof Error ? failure : new Error(String(failure)) };
  }
}
