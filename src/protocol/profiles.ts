import { z } from 'zod';

/**
 * Named profiles the master keeps (dashboard, API, `MASTER_PROFILES_FILE`), which chat threads
 * choose with `/profile <name>` and API callers with `profileName`; and the roles of the `/mode
 * multi` pipeline. A profile's fields fill what a request leaves unset.
 */

/** How hard the model thinks (Codex's `effort`). */
export const ReasoningEffortSchema = z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']);
export type ReasoningEffort = z.infer<typeof ReasoningEffortSchema>;

export const ProfileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a profile name is 1–64 of A-Z a-z 0-9 . _ -, not starting with . _ or -');

/** A named profile. `source` is the master's answer only: `file` profiles are changed in their file, not the API. */
export const NamedProfileSchema = z.object({
  name: ProfileNameSchema,
  description: z.string().max(500).optional(),
  model: z.string().min(1).max(64).optional(),
  sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).optional(),
  approvalPolicy: z.enum(['never', 'on-request', 'untrusted']).optional(),
  reasoningEffort: ReasoningEffortSchema.optional(),
  approvalTimeoutSec: z.number().int().min(1).max(86_400).optional(),
  repo: z.string().min(1).max(500).optional(),
  ref: z.string().min(1).max(200).optional(),
  node: z.string().min(1).max(64).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  source: z.enum(['api', 'file']).optional(),
});
export type NamedProfile = z.infer<typeof NamedProfileSchema>;

/** One role of the `/mode multi` pipeline (`[agents.NAME]` in the profiles file; default planner → coder → reviewer). */
export const AgentRoleSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  /** Put before the request (and the previous step's answer). */
  prompt: z.string().min(1).max(20_000),
  model: z.string().min(1).max(64).optional(),
  reasoningEffort: ReasoningEffortSchema.optional(),
});
export type AgentRole = z.infer<typeof AgentRoleSchema>;

/** Where a job stands in a `/mode multi` pipeline: `id` is the pipeline's first job. */
export const PipelineStepSchema = z.object({
  id: z.number().int().positive(),
  role: z.string().min(1).max(32),
  step: z.number().int().positive(),
  steps: z.number().int().positive(),
});
export type PipelineStep = z.infer<typeof PipelineStepSchema>;

/** How a request runs: one Codex conversation, or the agents' pipeline. */
export const RunModeSchema = z.enum(['single', 'multi']);
export type RunMode = z.infer<typeof RunModeSchema>;
