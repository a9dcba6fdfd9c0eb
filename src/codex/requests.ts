import { z } from 'zod';
import type { ReasoningEffort } from '../protocol/index.js';
import { ProtocolError } from './errors.js';

export type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';
export type ApprovalMode = 'untrusted' | 'on-request' | 'never';

/** What a turn runs with; unset fields keep the thread's (or Codex's configured) values. */
export interface TurnSettings {
  /** The workspace the agent works in. */
  cwd: string;
  prompt: string;
  model?: string;
  sandbox?: SandboxMode;
  approvalPolicy?: ApprovalMode;
  /** How hard the model thinks; `turn/start` is the only place 0.169's app-server takes it. */
  reasoningEffort?: ReasoningEffort;
  /** Absolute paths of images that go with the prompt, as `localImage` inputs (Codex reads the files). */
  images?: readonly string[];
}

export const threadAnswerSchema = z.object({ thread: z.object({ id: z.string() }) });
export const turnAnswerSchema = z.object({ turn: z.object({ id: z.string() }) });
/** `account/read`: the account Codex would use (null: none), and whether its model provider needs one. */
export const accountAnswerSchema = z.object({ account: z.object({ type: z.string() }).nullable(), requiresOpenaiAuth: z.boolean() });

/** The settings `thread/start` and `thread/resume` take. */
export function threadSettings(options: TurnSettings): Record<string, string> {
  return {
    ...(options.model !== undefined && { model: options.model }),
    ...(options.sandbox !== undefined && { sandbox: options.sandbox }),
    ...(options.approvalPolicy !== undefined && { approvalPolicy: options.approvalPolicy }),
  };
}

/**
 * `turn/start`. With `withSettings` it repeats the settings, so that a thread this process already
 * had runs with this turn's rather than the last one's.
 */
export function turnParams(threadId: string, options: TurnSettings, withSettings: boolean): Record<string, unknown> {
  const input = [{ type: 'text', text: options.prompt, text_elements: [] }, ...(options.images ?? []).map((path) => ({ type: 'localImage', path }))];
  // The effort goes every time: the thread settings do not carry it, and a turn without it would keep the last turn's.
  const effort = options.reasoningEffort !== undefined && { effort: options.reasoningEffort };
  if (!withSettings) return { threadId, input, ...effort };
  return {
    threadId,
    input,
    ...effort,
    cwd: options.cwd,
    ...(options.model !== undefined && { model: options.model }),
    ...(options.approvalPolicy !== undefined && { approvalPolicy: options.approvalPolicy }),
    ...(options.sandbox !== undefined && { sandboxPolicy: sandboxPolicy(options.sandbox) }),
  };
}

/** `turn/start` takes a full sandbox policy rather than the mode `thread/start` takes. */
function sandboxPolicy(mode: SandboxMode): Record<string, unknown> {
  if (mode === 'read-only') return { type: 'readOnly', networkAccess: false };
  if (mode === 'danger-full-access') return { type: 'dangerFullAccess' };
  return { type: 'workspaceWrite', writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false };
}

/** Parses a request's answer at the edge; a mismatch means this Codex version speaks differently. */
export function parseAnswer<T>(schema: z.ZodType<T>, method: string, answer: unknown): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new ProtocolError(`unexpected answer to ${method}: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}
