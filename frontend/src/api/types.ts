/**
 * The master's HTTP API as the dashboard reads it. Written out here rather than imported from the
 * master's zod schemas so the browser bundle never pulls in server code; the browser tests run
 * against the real master and catch drift.
 */

import type { Answerer, JobQuestion, QuestionAnswer, QuestionState } from './question-types.js';

export type NodeStatus = 'online' | 'unresponsive';

export interface NodeInfo {
  id: string;
  name: string;
  tags: string[];
  status: NodeStatus;
  connectedAt: string;
  lastActivity: string;
  address: string;
  version?: string;
  capabilities: { slots: number; executors: string[]; codexVersion?: string; chat: boolean };
  /** Ids of the jobs the node runs now (older masters leave it out). */
  runningJobs?: number[];
  /** The name of the master it is connected to, when several masters share one database (absent for a master alone). */
  master?: string;
}

export interface ConfigSave {
  savedAt: string;
  memo: string;
}

/** `GET /api/health`; `degraded`, `nodes` and `lastConfigSave` come only with the admin token (the route is public). */
export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  startedAt: string;
  uptimeSec: number;
  /** The master's clock when it answered. */
  time?: string;
  /** Why the master is degraded, in its own (English) words: `no node online`, a failed store commit. */
  degraded?: string[];
  nodes?: number;
  lastConfigSave?: ConfigSave | null;
}

export type JobStatus = 'queued' | 'assigned' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost';
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'lost']);

export type Sandbox = 'read-only' | 'workspace-write' | 'danger-full-access';
export type ApprovalPolicy = 'never' | 'on-request' | 'untrusted';

/** How a job's change leaves the node: a pushed branch, or a pushed branch and a pull request. */
export type PublishMode = 'branch' | 'pr';

export interface JobProfile {
  model?: string;
  sandbox?: Sandbox;
  approvalPolicy?: ApprovalPolicy;
  publish?: PublishMode;
  /** Seconds a question of Codex's waits for an answer before the master declines it. */
  approvalTimeoutSec?: number;
  reasoningEffort?: ReasoningEffort;
}

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';
export const REASONING_EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh'];

/** How a request runs: one Codex conversation, or the agents' pipeline (planner → coder → reviewer). */
export type RunMode = 'single' | 'multi';

/** Where a job stands in a `multi` pipeline: `id` is the pipeline's first job. */
export interface PipelineStep {
  id: number;
  role: string;
  step: number;
  steps: number;
}

export interface FileChange {
  path: string;
  kind: 'add' | 'delete' | 'update';
  added?: number;
  removed?: number;
}

export interface TokenUsage {
  input: number;
  output: number;
  total: number;
}

export type DiffFileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';

/** One file of a job's change as the node's `git diff --numstat -M` saw it (binary files count no lines). */
export interface DiffFileStat {
  path: string;
  /** The path before a rename or copy. */
  oldPath?: string;
  status: DiffFileStatus;
  added: number;
  removed: number;
  binary: boolean;
}

/** What a job changed: the stat of every file (always complete) and where the change lives. */
export interface ChangeSummary {
  baseCommit: string;
  headCommit?: string;
  branch?: string;
  files: DiffFileStat[];
  added: number;
  removed: number;
  /** Size of the whole unified diff, before any cut. */
  diffBytes: number;
  /** The stored diff stops short of the whole (past the node's cap); the stat is still complete. */
  truncated: boolean;
}

/** Where a job's change was published, or why it could not be. */
export interface Publication {
  mode: PublishMode;
  branch: string;
  pushedAt?: string;
  pullRequest?: { number: number; url: string };
  error?: string;
}

export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  text: string;
  oldLine?: number;
  newLine?: number;
  /** The file ends after this line without a newline (git's `\ No newline at end of file`). */
  noNewline?: true;
}

export interface DiffHunk {
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** A file of `GET /api/jobs/:id/diff?format=json`: its stat and its hunks. */
export interface DiffFile extends DiffFileStat {
  hunks: DiffHunk[];
}

export interface ParsedDiff {
  files: DiffFile[];
  truncated: boolean;
}

export interface JobResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  finalMessage?: string;
  summary?: string;
  filesChanged: FileChange[];
  commands: { command: string; exitCode: number | null }[];
  tokens?: TokenUsage;
  durationMs: number;
  error?: string;
  change?: ChangeSummary;
  publication?: Publication;
}

export interface Job {
  id: number;
  status: JobStatus;
  prompt: string;
  target: { node?: string; tags: string[] };
  repo?: string;
  ref?: string;
  profile: JobProfile;
  origin: { kind: string };
  node?: string;
  attempt: number;
  createdAt: string;
  assignedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  result?: JobResult;
  error?: string;
  lastSeq: number;
  /** Why it waits, as of when it was read: a queued job for a node, a running one for an answer. */
  waiting?: string;
  /** Codex's questions, pending and decided (absent: none asked). */
  questions?: QuestionState[];
  /** The named profile it was created with. */
  profileName?: string;
  /** Its place in a `multi` pipeline. */
  pipeline?: PipelineStep;
}

export interface NewJob {
  prompt: string;
  node?: string;
  repo?: string;
  ref?: string;
  profile?: JobProfile;
  profileName?: string;
  mode?: RunMode;
  origin: 'dashboard';
}

export interface JobPage {
  jobs: Job[];
  next: number | null;
}

export type JobEvent =
  | { kind: 'started'; executor: string }
  | { kind: 'agent_message'; text: string }
  | { kind: 'agent_message_delta'; delta: string }
  | { kind: 'command_started'; command: string; cwd?: string }
  | { kind: 'command_finished'; command: string; exitCode: number | null; output?: string; durationMs?: number }
  | { kind: 'file_change'; changes: FileChange[] }
  | ({ kind: 'token_usage' } & TokenUsage)
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | {
      kind: 'approval_request';
      action: 'command' | 'file_change';
      command?: string;
      cwd?: string;
      reason?: string;
      decision: 'accept' | 'acceptForSession' | 'decline' | 'cancel';
    }
  | { kind: 'error'; message: string }
  | { kind: 'diff'; part: number; parts: number; text: string }
  | { kind: 'question'; question: JobQuestion }
  | { kind: 'answer'; questionId: string; answer: QuestionAnswer; by: Answerer }
  | { kind: 'finished'; result: JobResult };

export interface SequencedJobEvent {
  seq: number;
  at: string;
  event: JobEvent;
}

export type TelegramParseMode = '' | 'MarkdownV2' | 'HTML' | 'Markdown';

/** A secret as the master shows it: only whether it is set. */
export interface SecretState {
  set: boolean;
}

/** An allow-list saved in the dashboard: `null` follows the bridge's own (environment or flag); a list replaces it, `[]` admitting nobody. */
export type AllowList = string[] | null;

export interface BridgeConfig {
  slack: {
    botToken: SecretState;
    appToken: SecretState;
    defaultChannel: string;
    allowedChannels: AllowList;
    allowedUsers: AllowList;
  };
  telegram: { botToken: SecretState; parseMode: TelegramParseMode; allowedChats: AllowList };
  memo: string;
  savedAt: string | null;
}

/** A secret in a `PUT /api/config`: a string replaces it, `null` clears it, absent keeps it. */
export type SecretChange = string | null;

export interface ConfigChanges {
  slack?: Partial<Omit<BridgeConfig['slack'], 'botToken' | 'appToken'>> & { botToken?: SecretChange; appToken?: SecretChange };
  telegram?: Partial<Omit<BridgeConfig['telegram'], 'botToken'>> & { botToken?: SecretChange };
  memo?: string;
}

export type RemoteNodeStatus = 'online' | 'offline' | 'maintenance';
export const REMOTE_NODE_STATUSES: readonly RemoteNodeStatus[] = ['online', 'offline', 'maintenance'];

export interface RemoteNode {
  id: number;
  name: string;
  host: string;
  tags: string[];
  status: RemoteNodeStatus;
  createdAt: string;
  updatedAt: string;
}

export interface RemoteNodeList {
  remoteNodes: RemoteNode[];
  defaultTags: string[];
}

export type CredentialRole = 'node' | 'bridge';

/** A per-machine credential as `GET /api/tokens` lists it: never its token, which only its hash is kept of. */
export interface Credential {
  name: string;
  role: CredentialRole;
  createdAt: string;
  lastUsedAt: string | null;
}

/** `POST /api/tokens`' answer: the only time the token itself is shown. */
export interface NewCredential extends Credential {
  token: string;
}
