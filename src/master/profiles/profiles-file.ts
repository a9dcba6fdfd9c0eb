import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../../config/index.js';
import { AgentRoleSchema, NamedProfileSchema, type AgentRole, type NamedProfile } from '../../protocol/index.js';

/** The pipeline's roles when the profiles file names none, in order. */
export const DEFAULT_AGENTS: readonly AgentRole[] = [
  {
    name: 'planner',
    prompt:
      'You are the planner of a three-step pipeline (planner, coder, reviewer). Read the request and the repository, then write a short numbered plan: the files to change, the steps, and how to check the result. Do not change any files yourself.',
  },
  {
    name: 'coder',
    prompt:
      'You are the coder of a three-step pipeline (planner, coder, reviewer). Carry out the plan below in the repository, run the relevant tests, and end with a short account of what you changed and how you checked it.',
  },
  {
    name: 'reviewer',
    prompt:
      'You are the reviewer of a three-step pipeline (planner, coder, reviewer). Review the change the coder made on this branch against the request and the plan: correctness, tests, anything missed; fix small problems yourself. End with your verdict on its own line, APPROVED or CHANGES NEEDED, and why.',
  },
];

/** What a profiles file holds. */
export interface ProfilesFile {
  profiles: NamedProfile[];
  agents: AgentRole[];
}

/** A `[profiles.NAME]` table: NamedProfile's fields in snake_case, as TOML files (and Codex's own config) write them. */
const FileProfileSchema = z.strictObject({
  description: z.string().optional(),
  model: z.string().optional(),
  sandbox: z.string().optional(),
  approval_policy: z.string().optional(),
  reasoning_effort: z.string().optional(),
  approval_timeout_sec: z.number().optional(),
  repo: z.string().optional(),
  ref: z.string().optional(),
  node: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
const FileAgentSchema = z.strictObject({ prompt: z.string(), model: z.string().optional(), reasoning_effort: z.string().optional() });
const FileSchema = z.strictObject({
  profiles: z.record(z.string(), FileProfileSchema).default({}),
  agents: z.record(z.string(), FileAgentSchema).optional(),
});

/** Drops the keys a TOML table did not set, so that parsed profiles carry no `undefined`. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toProfile(name: string, table: z.infer<typeof FileProfileSchema>): NamedProfile {
  const { approval_policy: approvalPolicy, reasoning_effort: reasoningEffort, approval_timeout_sec: approvalTimeoutSec, ...same } = table;
  return NamedProfileSchema.parse(defined({ name, ...same, approvalPolicy, reasoningEffort, approvalTimeoutSec, source: 'file' }));
}

function toAgent(name: string, table: z.infer<typeof FileAgentSchema>): AgentRole {
  return AgentRoleSchema.parse(defined({ name, prompt: table.prompt, model: table.model, reasoningEffort: table.reasoning_effort }));
}

/** Where a zod error points, in the file's own terms (`profiles.fast.reasoning_effort: …`). */
function explain(error: unknown): string {
  if (!(error instanceof z.ZodError)) return error instanceof Error ? error.message : String(error);
  const issue = error.issues[0];
  return `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Reads `MASTER_PROFILES_FILE`: `[profiles.NAME]` tables (snake_case fields of NamedProfile) and
 * `[agents.NAME]` tables (`prompt`, `model`, `reasoning_effort`), whose order is the pipeline's;
 * none: planner → coder → reviewer. A bad file stops the master with the key at fault.
 */
export function loadProfilesFile(path: string): ProfilesFile {
  const at = (where: string, error: unknown) => new ConfigError('MASTER_PROFILES_FILE', `${path}: ${where}${explain(error)}`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw at('', error);
  }
  const file = FileSchema.safeParse(raw);
  if (!file.success) throw at('', file.error);
  const entries = <T>(record: Record<string, T>) => Object.entries(record);
  const profiles = entries(file.data.profiles).map(([name, table]) => {
    try {
      return toProfile(name, table);
    } catch (error) {
      throw at(`profiles.${name}.`, error);
    }
  });
  const agents = file.data.agents === undefined ? [...DEFAULT_AGENTS] : entries(file.data.agents).map(([name, table]) => {
    try {
      return toAgent(name, table);
    } catch (error) {
      throw at(`agents.${name}.`, error);
    }
  });
  if (agents.length === 0) throw at('agents: ', new Error('name at least one agent, or leave [agents] out for planner → coder → reviewer'));
  return { profiles, agents };
}
