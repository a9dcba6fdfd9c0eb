/** Named profiles, usage and budgets as the master's API sends them (written out, as `types.ts` explains). */

import type { ApprovalPolicy, ReasoningEffort, Sandbox } from './types.js';

/** A named profile (`GET /api/profiles`); `file` ones come from `MASTER_PROFILES_FILE` and are read-only. */
export interface NamedProfile {
  name: string;
  description?: string;
  model?: string;
  sandbox?: Sandbox;
  approvalPolicy?: ApprovalPolicy;
  reasoningEffort?: ReasoningEffort;
  approvalTimeoutSec?: number;
  repo?: string;
  ref?: string;
  node?: string;
  tags?: string[];
  source?: 'api' | 'file';
}

export interface TokenCount {
  input: number;
  output: number;
  total: number;
}

/** Tokens per day (UTC); unset or null: no budget. */
export interface Budgets {
  userDaily?: number | null;
  chatDaily?: number | null;
  masterDaily?: number | null;
}

export interface UsageRow {
  key: string;
  jobs: number;
  tokens: TokenCount;
}

/** `GET /api/usage?days=N`: totals, by day (`key` YYYY-MM-DD, days without usage may be absent), by user, chat and node. */
export interface UsageReport {
  from: string;
  to: string;
  total: { jobs: number; tokens: TokenCount };
  days: UsageRow[];
  users: UsageRow[];
  chats: UsageRow[];
  nodes: UsageRow[];
  budgets: Budgets;
}
