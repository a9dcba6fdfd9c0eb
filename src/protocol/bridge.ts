import { z } from 'zod';
import { PublishModeSchema } from './change.js';
import { JobResultSchema, JobStatusSchema, SequencedJobEventSchema } from './jobs.js';
import { AttachmentSchema } from './attachments.js';
import { NamedProfileSchema, PipelineStepSchema, ProfileNameSchema, RunModeSchema } from './profiles.js';
import { QuestionStateSchema } from './questions.js';

/** Correlates a bridge's request with the master's answer (`job_update`, `status`, `error`). */
const RequestIdSchema = z.string().min(1).max(64);
const JobIdSchema = z.number().int().positive();

/** Where a chat job came from: the platform and the chat details needed to answer there. */
export const ChatOriginSchema = z
  .object({ kind: z.enum(['slack', 'telegram']) })
  .catchall(z.union([z.string().max(256), z.number(), z.boolean()]));
export type ChatOrigin = z.infer<typeof ChatOriginSchema>;

/** Bridge → master: run a Codex job for a chat message. Answered by `job_update` (or `error`) with the same `requestId`. */
export const JobSubmitFrameSchema = z.object({
  type: z.literal('job_submit'),
  requestId: RequestIdSchema,
  prompt: z.string().min(1).max(100_000),
  node: z.string().min(1).max(64).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  repo: z.string().min(1).max(500).optional(),
  ref: z.string().min(1).max(200).optional(),
  continueFrom: JobIdSchema.optional(),
  /** A named profile of the master (`/profile <name>`): it fills what the request leaves unset. */
  profileName: ProfileNameSchema.optional(),
  /** `multi`: the agents' pipeline (planner → coder → reviewer) as linked jobs on one branch. */
  mode: RunModeSchema.optional(),
  /** Files sent with the request, uploaded first (`attachment_upload`). */
  attachments: z.array(AttachmentSchema).max(10).optional(),
  origin: ChatOriginSchema,
});

/** Bridge → master: stop a job (answered by the job's updates, or `error`). */
export const JobCancelRequestFrameSchema = z.object({ type: z.literal('job_cancel_request'), requestId: RequestIdSchema.optional(), jobId: JobIdSchema });

/** Bridge → master: the state of the master and its nodes, answered by `status`. */
export const StatusRequestFrameSchema = z.object({ type: z.literal('status_request'), requestId: RequestIdSchema.optional() });

/**
 * Bridge → master: jobs this bridge still waits on (sent after every welcome). The master sends
 * each one's current state and its updates from then on, so nothing is lost across a reconnect.
 */
export const JobFollowFrameSchema = z.object({ type: z.literal('job_follow'), jobIds: z.array(JobIdSchema).max(1000) });

/** Bridge → master: publish a finished job's change (`/pr` in its thread); answered by the job's updates, or `error`. */
export const JobPublishRequestFrameSchema = z.object({
  type: z.literal('job_publish_request'),
  requestId: RequestIdSchema,
  jobId: JobIdSchema,
  mode: PublishModeSchema,
});

/**
 * Bridge → master: a call to a chat platform failed (a send, an edit, polling, the connection);
 * the master counts them per platform (`csc_chat_errors_total`). `code` names the failure as the
 * platform gave it (`429`, `channel_not_found`, `network`), never a message text: no user content.
 */
export const ChatErrorFrameSchema = z.object({
  type: z.literal('chat_error'),
  platform: z.enum(['slack', 'telegram']),
  code: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a short code: letters, digits, _ . -'),
});

/** A job as a bridge sees it: no log, and the prompt cut short. */
export const JobSummarySchema = z.object({
  id: JobIdSchema,
  status: JobStatusSchema,
  prompt: z.string(),
  node: z.string().optional(),
  repo: z.string().optional(),
  continueFrom: JobIdSchema.optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  result: JobResultSchema.optional(),
  lastSeq: z.number().int().min(0),
  /** Codex's questions of the job, every attempt's, oldest first, pending and decided (absent: none). */
  questions: z.array(QuestionStateSchema).optional(),
  /** The named profile the job ran with. */
  profileName: ProfileNameSchema.optional(),
  /** Its place in a `/mode multi` pipeline. */
  pipeline: PipelineStepSchema.optional(),
});
export type JobSummary = z.infer<typeof JobSummarySchema>;

/** Master → bridge: a job changed; `events` are the notable ones since the last update (coalesced). */
export const JobUpdateFrameSchema = z.object({
  type: z.literal('job_update'),
  requestId: RequestIdSchema.optional(),
  job: JobSummarySchema,
  events: z.array(SequencedJobEventSchema).max(200).default([]),
});

/** A connected node as `/status` and `/nodes` show it. */
export const NodeSummarySchema = z.object({
  name: z.string(),
  status: z.enum(['online', 'unresponsive']),
  tags: z.array(z.string()),
  slots: z.number().int().min(0),
  running: z.array(JobIdSchema),
  version: z.string().optional(),
  /** The node's Codex: its version (absent: it runs no Codex). */
  codexVersion: z.string().optional(),
});
export type NodeSummary = z.infer<typeof NodeSummarySchema>;

/** Master → bridge: answer to `status_request`. */
export const StatusFrameSchema = z.object({
  type: z.literal('status'),
  requestId: RequestIdSchema.optional(),
  master: z.object({ version: z.string(), startedAt: z.string(), queued: z.number().int().min(0), active: z.number().int().min(0) }),
  nodes: z.array(NodeSummarySchema),
  /** The master's named profiles, for `/profile list` (absent from a master without them). */
  profiles: z.array(NamedProfileSchema).optional(),
});

/** How Telegram replies are formatted (`parse_mode`); empty: plain text. */
export const TelegramParseModeSchema = z.enum(['', 'MarkdownV2', 'HTML', 'Markdown']);
export type TelegramParseMode = z.infer<typeof TelegramParseModeSchema>;

/**
 * An allow-list saved in the dashboard: `null` leaves the bridge's own (environment or flag) in
 * force; a list replaces it, and an empty one admits nobody, so an admin can close access there.
 */
const AllowListSchema = z.array(z.string()).nullable();

/** The chat settings saved in the dashboard, tokens included (only bridge credentials receive them). */
export const BridgeSettingsSchema = z.object({
  slack: z.object({
    botToken: z.string().optional(),
    appToken: z.string().optional(),
    defaultChannel: z.string(),
    allowedChannels: AllowListSchema,
    allowedUsers: AllowListSchema,
  }),
  telegram: z.object({
    botToken: z.string().optional(),
    parseMode: TelegramParseModeSchema,
    allowedChats: AllowListSchema,
  }),
});
export type BridgeSettingsPayload = z.infer<typeof BridgeSettingsSchema>;

/** Master → bridge: the dashboard's bridge settings, on hello and after every save. */
export const BridgeConfigFrameSchema = z.object({ type: z.literal('bridge_config'), settings: BridgeSettingsSchema, savedAt: z.string().nullable() });

export type JobSubmitFrame = z.infer<typeof JobSubmitFrameSchema>;
export type JobCancelRequestFrame = z.infer<typeof JobCancelRequestFrameSchema>;
export type StatusRequestFrame = z.infer<typeof StatusRequestFrameSchema>;
export type JobFollowFrame = z.infer<typeof JobFollowFrameSchema>;
export type JobPublishRequestFrame = z.infer<typeof JobPublishRequestFrameSchema>;
export type JobUpdateFrame = z.infer<typeof JobUpdateFrameSchema>;
export type StatusFrame = z.infer<typeof StatusFrameSchema>;
export type BridgeConfigFrame = z.infer<typeof BridgeConfigFrameSchema>;
export type ChatErrorFrame = z.infer<typeof ChatErrorFrameSchema>;
