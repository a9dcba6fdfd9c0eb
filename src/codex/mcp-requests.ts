import { z } from 'zod';
import { VERSION } from '../paths.js';
import type { ApprovalRequest } from './approvals.js';
import type { ApprovalDecision } from './events.js';
import { toReviewDecision } from './method-row.js';
import { shellJoin } from './shell-join.js';
import { parseTomlValue } from './toml-value.js';
import type { RunTurnOptions } from './turn-driver.js';

/** The MCP revision Codex 0.153.4 answers `initialize` with. */
const MCP_PROTOCOL_VERSION = '2025-06-18';

/** `initialize` params: elicitation is how the server asks for approvals. */
export const initializeParams = {
  protocolVersion: MCP_PROTOCOL_VERSION,
  capabilities: { elicitation: {} },
  clientInfo: { name: 'codex_super_client', title: 'codex-super-client', version: VERSION },
};

/**
 * The node's `-c` overrides as the `codex` tool's `config` argument (dotted keys, JSON values):
 * the MCP server ignores some of them on its command line, `model_provider` among them.
 */
export function toolConfig(overrides: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, parseTomlValue(value)]));
}

/**
 * `tools/call` params for a turn: tool `codex` starts a thread with the turn's settings;
 * `codex-reply` continues one and takes only the prompt (the thread keeps its first settings).
 */
export function toolCallParams(options: RunTurnOptions, config: Record<string, unknown>): { name: string; arguments: Record<string, unknown> } {
  const prompt = withImagePaths(options.prompt, options.images);
  if (options.threadId !== undefined) return { name: 'codex-reply', arguments: { prompt, threadId: options.threadId } };
  // The tool has no argument for the effort; its `config` takes any config.toml key.
  const turnConfig = { ...config, ...(options.reasoningEffort !== undefined && { model_reasoning_effort: options.reasoningEffort }) };
  const args: Record<string, unknown> = {
    prompt,
    cwd: options.cwd,
    ...(options.approvalPolicy !== undefined && { 'approval-policy': options.approvalPolicy }),
    ...(options.sandbox !== undefined && { sandbox: options.sandbox }),
    ...(options.model !== undefined && { model: options.model }),
    ...(Object.keys(turnConfig).length > 0 && { config: turnConfig }),
  };
  return { name: 'codex', arguments: args };
}

/** The MCP tools take text only: images are named in the prompt, for the agent to open from disk. */
function withImagePaths(prompt: string, images: readonly string[] | undefined): string {
  if (images === undefined || images.length === 0) return prompt;
  return `${prompt}\n\nImages that come with this request (files on disk): ${images.join(', ')}`;
}

const toolResultSchema = z.object({
  isError: z.boolean().optional(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()).optional(),
});

/** A `tools/call` answer: `isError` with Codex's message when the turn failed or could not start. */
export function parseToolResult(answer: unknown): { isError: boolean; text: string } {
  const parsed = toolResultSchema.safeParse(answer);
  const content = parsed.success ? (parsed.data.content ?? []) : [];
  const text = content.flatMap((part) => (part.text === undefined ? [] : [part.text])).join('\n');
  return { isError: parsed.data?.isError === true, text };
}

/** The server's approval request: an MCP elicitation with Codex's fields beside the standard ones. */
const elicitationSchema = z.object({
  threadId: z.string(),
  codex_elicitation: z.enum(['exec-approval', 'patch-approval']),
  codex_mcp_tool_call_id: z.union([z.string(), z.number()]),
  codex_event_id: z.string(),
  codex_call_id: z.string(),
  codex_command: z.array(z.string()).nullish(),
  codex_cwd: z.string().nullish(),
});

/** Parses `elicitation/create` params (throws on a shape this client does not know). */
export function parseElicitation(params: unknown): { requestId: string; request: ApprovalRequest } {
  const e = elicitationSchema.parse(params);
  const request: ApprovalRequest = {
    kind: e.codex_elicitation === 'exec-approval' ? 'command' : 'file_change',
    threadId: e.threadId,
    turnId: e.codex_event_id,
    itemId: e.codex_call_id,
    ...(e.codex_command && { command: shellJoin(e.codex_command) }),
    ...(e.codex_cwd && { cwd: e.codex_cwd }),
  };
  return { requestId: String(e.codex_mcp_tool_call_id), request };
}

/**
 * The answer 0.153.4 expects: `{decision: ReviewDecision}` rather than MCP's `{action}` (which it
 * fails to read, and then denies); its `denied` carries the reason the model is told (`rejection`,
 * what the person who denied wrote, if anything).
 */
export function elicitationAnswer(decision: ApprovalDecision, rejection = "declined by the node's approval policy"): { decision: unknown } {
  return toReviewDecision(decision, rejection);
}
