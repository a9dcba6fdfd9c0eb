import { z } from 'zod';
import {
  BridgeConfigFrameSchema,
  ChatErrorFrameSchema,
  JobCancelRequestFrameSchema,
  JobFollowFrameSchema,
  JobPublishRequestFrameSchema,
  JobSubmitFrameSchema,
  JobUpdateFrameSchema,
  StatusFrameSchema,
  StatusRequestFrameSchema,
} from './bridge.js';
import { JobPublishedFrameSchema, JobPublishFrameSchema } from './change.js';
import { AttachmentStoredFrameSchema, AttachmentUploadFrameSchema, JobAttachmentFrameSchema } from './attachments.js';
import { JobAnswerFrameSchema, QuestionAnswerFrameSchema, QuestionResultFrameSchema } from './questions.js';
import { UsageFrameSchema, UsageRequestFrameSchema } from './usage.js';
import { JobAckFrameSchema, JobAssignFrameSchema, JobCancelFrameSchema, JobEventsFrameSchema } from './jobs.js';

/** Version of the wire protocol spoken on the master's WebSocket port. */
export const PROTOCOL_VERSION = 1;

/**
 * Stable codes carried by `error` frames and HTTP error bodies. Clients branch on these, so a code
 * is never renamed or reused; new failures get new codes.
 */
export const ErrorCodeSchema = z.enum([
  'bad_json',
  'invalid_frame',
  'unknown_type',
  'unexpected_frame',
  'name_taken',
  'conflict',
  'unauthorized',
  /** The credential is valid but its role may not do this (a node credential sending bridge frames). */
  'forbidden',
  'bad_request',
  'not_found',
  'payload_too_large',
  /** The node a request needs (the one holding a job's branch) is not connected. */
  'node_unavailable',
  /** The node did not answer in time; its answer is still taken when it comes. */
  'node_timeout',
  /** A token budget (a user's, a chat's, the master's, per day) is spent; the message gives the figures. */
  'over_budget',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** Who is on the other end of a connection: nodes run work, bridges carry chat platforms. */
export const RoleSchema = z.enum(['node', 'bridge']);
export type Role = z.infer<typeof RoleSchema>;

export const PlatformSchema = z.enum(['slack', 'telegram']);
export type Platform = z.infer<typeof PlatformSchema>;

/** Telegram ids are numbers; Slack ids are strings. Both appear in the seed's envelopes. */
const ChatIdSchema = z.union([z.number().int(), z.string().min(1)]);
const NameSchema = z.string().trim().min(1).max(64);
const TagSchema = z.string().trim().min(1).max(64);
const RawPayloadSchema = z.record(z.string(), z.unknown());

export const NodeStatusSchema = z.enum(['online', 'unresponsive']);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

export const CapabilitiesSchema = z.object({
  /** How many jobs the node runs at once; 0 means it takes none. */
  slots: z.number().int().min(0).max(1024).default(0),
  /** Executors the node can run jobs with (e.g. `codex`, `echo`). */
  executors: z.array(z.string().min(1).max(32)).max(16).default([]),
  codexVersion: z.string().max(64).optional(),
  /** The node answers plain-text chat (the seed's console). */
  chat: z.boolean().default(true),
});
export type Capabilities = z.infer<typeof CapabilitiesSchema>;

/** What the master shows about a connected node (API, dashboard, bridges). */
export const NodeInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  status: NodeStatusSchema,
  connectedAt: z.string(),
  lastActivity: z.string(),
  address: z.string(),
  version: z.string().optional(),
  capabilities: CapabilitiesSchema,
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

/** Client → master, first frame: who this is. A client that never sends it is an anonymous node. */
export const HelloFrameSchema = z.object({
  type: z.literal('hello'),
  role: RoleSchema.default('node'),
  name: NameSchema,
  /** Stable id kept by the node across restarts, so a reconnect can replace its stale connection. */
  nodeId: z.string().min(8).max(64).optional(),
  tags: z.array(TagSchema).max(32).default([]),
  version: z.string().max(64).optional(),
  protocol: z.number().int().positive().default(PROTOCOL_VERSION),
  capabilities: CapabilitiesSchema.default({ slots: 0, executors: [], chat: true }),
  /** Jobs this node is still running (after a reconnect): the master keeps them assigned to it. */
  runningJobs: z.array(z.number().int().positive()).max(1024).default([]),
});

/** Master → client, answer to `hello` (and to the connection itself for anonymous clients). */
export const WelcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  protocol: z.number().int(),
  serverVersion: z.string(),
  heartbeatIntervalSec: z.number().positive(),
  maxPayloadBytes: z.number().int().positive(),
});

export const ErrorFrameSchema = z.object({
  type: z.literal('error'),
  code: ErrorCodeSchema,
  message: z.string(),
  /** The `type` of the frame that caused the error, when it had one. */
  ref: z.string().optional(),
  /** The `requestId` of the bridge request that failed, when it had one. */
  requestId: z.string().optional(),
});

/** Structured chat: like a plain text frame, but the master stamps the sender. */
export const ChatFrameSchema = z.object({
  type: z.literal('chat'),
  text: z.string().min(1),
  from: z.object({ id: z.string(), name: z.string() }).optional(),
});

export const NodeStatusFrameSchema = z.object({
  type: z.literal('node_status'),
  event: z.enum(['connected', 'updated', 'disconnected']),
  node: NodeInfoSchema,
});

/** Seed 000's bridge envelope, platform → master. */
export const CommandSourceSchema = z.object({
  platform: PlatformSchema,
  channel: ChatIdSchema.optional(),
  thread_ts: z.string().optional(),
  user: ChatIdSchema.optional(),
  user_name: z.string().optional(),
  chat_id: ChatIdSchema.optional(),
  message_id: z.number().int().optional(),
  message_thread_id: z.number().int().optional(),
});

export const CommandFrameSchema = z.object({
  type: z.literal('command'),
  source: CommandSourceSchema,
  text: z.string(),
  raw_event: RawPayloadSchema.optional(),
  raw_update: RawPayloadSchema.optional(),
});

/** Seed 000's bridge envelope, node → bridge. */
export const ResponseTargetSchema = z
  .object({
    platform: PlatformSchema,
    chat_id: ChatIdSchema.optional(),
    message_id: z.number().int().optional(),
    message_thread_id: z.number().int().optional(),
    channel: z.string().optional(),
    thread_ts: z.string().optional(),
    ts: z.string().optional(),
  })
  .refine((t) => t.platform !== 'telegram' || t.chat_id !== undefined, {
    message: 'a telegram target needs chat_id',
    path: ['chat_id'],
  });

export const ResponseFrameSchema = z.object({
  type: z.literal('response'),
  target: ResponseTargetSchema,
  text: z.string(),
  broadcast: z.boolean().optional(),
});

/** Every JSON frame on the master's WebSocket port, in either direction. */
export const FrameSchema = z.discriminatedUnion('type', [
  HelloFrameSchema,
  WelcomeFrameSchema,
  ErrorFrameSchema,
  ChatFrameSchema,
  NodeStatusFrameSchema,
  CommandFrameSchema,
  ResponseFrameSchema,
  JobAssignFrameSchema,
  JobCancelFrameSchema,
  JobEventsFrameSchema,
  JobAckFrameSchema,
  JobPublishFrameSchema,
  JobPublishedFrameSchema,
  JobAnswerFrameSchema,
  QuestionAnswerFrameSchema,
  QuestionResultFrameSchema,
  AttachmentUploadFrameSchema,
  AttachmentStoredFrameSchema,
  JobAttachmentFrameSchema,
  UsageRequestFrameSchema,
  UsageFrameSchema,
  JobSubmitFrameSchema,
  JobCancelRequestFrameSchema,
  StatusRequestFrameSchema,
  JobFollowFrameSchema,
  JobPublishRequestFrameSchema,
  JobUpdateFrameSchema,
  StatusFrameSchema,
  BridgeConfigFrameSchema,
  ChatErrorFrameSchema,
]);

export type Frame = z.infer<typeof FrameSchema>;
export type FrameType = Frame['type'];
export type HelloFrame = z.infer<typeof HelloFrameSchema>;
export type WelcomeFrame = z.infer<typeof WelcomeFrameSchema>;
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;
export type ChatFrame = z.infer<typeof ChatFrameSchema>;
export type NodeStatusFrame = z.infer<typeof NodeStatusFrameSchema>;
export type CommandFrame = z.infer<typeof CommandFrameSchema>;
export type ResponseFrame = z.infer<typeof ResponseFrameSchema>;
export type JobAssignFrame = z.infer<typeof JobAssignFrameSchema>;
export type JobEventsFrame = z.infer<typeof JobEventsFrameSchema>;

export const FRAME_TYPES: ReadonlySet<string> = new Set(FrameSchema.options.map((o) => o.shape.type.value));
