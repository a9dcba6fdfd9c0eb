import { z } from 'zod';
import { ChangeSummarySchema, DiffEventSchema, PublicationSchema, PublishModeSchema } from './change.js';
import { AttachmentSchema, FileEventSchema } from './attachments.js';
import { ReasoningEffortSchema } from './profiles.js';
import { AnswerEventSchema, QuestionEventSchema } from './questions.js';

/** Job lifecycle. `lost`: its node vanished and the attempts ran out. */
export const JobStatusSchema = z.enum(['queued', 'assigned', 'running', 'succeeded', 'failed', 'cancelled', 'lost']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** States a job never leaves. */
export const FINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'lost']);

/** How Codex runs the job: model, sandbox and approval policy, as `codex app-server` takes them. */
export const JobProfileSchema = z.object({
  model: z.string().min(1).max(64).optional(),
  sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).optional(),
  approvalPolicy: z.enum(['never', 'on-request', 'untrusted']).optional(),
  /** Publish the job's change when it ends: push its branch, or push and open a pull request. */
  publish: PublishModeSchema.optional(),
  /** Seconds a question of Codex waits for an answer before it is declined (default 600; the job's own timeout is paused meanwhile). */
  approvalTimeoutSec: z.number().int().min(1).max(86_400).optional(),
  /** How hard the model thinks (Codex's `effort`). */
  reasoningEffort: ReasoningEffortSchema.optional(),
});
export type JobProfile = z.infer<typeof JobProfileSchema>;

export const FileChangeSchema = z.object({
  path: z.string(),
  kind: z.enum(['add', 'delete', 'update']),
  added: z.number().int().min(0).optional(),
  removed: z.number().int().min(0).optional(),
});

/** The standard result of a job (seed 000: 실행 결과 포맷 표준화 및 저장). */
export const JobResultSchema = z.object({
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  finalMessage: z.string().optional(),
  summary: z.string().optional(),
  filesChanged: z.array(FileChangeSchema).default([]),
  commands: z.array(z.object({ command: z.string(), exitCode: z.number().int().nullable() })).default([]),
  /** The job's own usage: its turn's tokens, not its Codex thread's running total. */
  tokens: z.object({ input: z.number().int(), output: z.number().int(), total: z.number().int() }).optional(),
  durationMs: z.number().int().min(0),
  error: z.string().optional(),
  /** The Codex thread, so a follow-up job can continue the conversation. */
  threadId: z.string().optional(),
  /** What the job changed: base and head commit, branch and the diff stat (the diff is in `diff` events). */
  change: ChangeSummarySchema.optional(),
  /** Where the change was published (`profile.publish`, or a publish afterwards). */
  publication: PublicationSchema.optional(),
});
export type JobResult = z.infer<typeof JobResultSchema>;

/** One step of a job, as the node reports it. `finished` is always the last one. */
export const JobEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), executor: z.string() }),
  z.object({ kind: z.literal('agent_message'), text: z.string() }),
  z.object({ kind: z.literal('agent_message_delta'), delta: z.string() }),
  z.object({ kind: z.literal('command_started'), command: z.string(), cwd: z.string().optional() }),
  z.object({
    kind: z.literal('command_finished'),
    command: z.string(),
    exitCode: z.number().int().nullable(),
    output: z.string().optional(),
    durationMs: z.number().int().optional(),
  }),
  z.object({ kind: z.literal('file_change'), changes: z.array(FileChangeSchema) }),
  z.object({ kind: z.literal('token_usage'), input: z.number().int(), output: z.number().int(), total: z.number().int() }),
  z.object({ kind: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  /** Codex asked before running a command or changing files (approval policy other than `never`), and what it was told. */
  z.object({
    kind: z.literal('approval_request'),
    action: z.enum(['command', 'file_change']),
    command: z.string().optional(),
    cwd: z.string().optional(),
    reason: z.string().optional(),
    decision: z.enum(['accept', 'acceptForSession', 'decline', 'cancel']),
  }),
  z.object({ kind: z.literal('error'), message: z.string() }),
  DiffEventSchema,
  QuestionEventSchema,
  AnswerEventSchema,
  FileEventSchema,
  z.object({ kind: z.literal('finished'), result: JobResultSchema }),
]);
export type JobEvent = z.infer<typeof JobEventSchema>;

/** A job event with its place in the job's log; `seq` starts at 1 and has no gaps. */
export const SequencedJobEventSchema = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  event: JobEventSchema,
});
export type SequencedJobEvent = z.infer<typeof SequencedJobEventSchema>;

/** What a node needs to run a job. */
export const JobSpecSchema = z.object({
  id: z.number().int().positive(),
  prompt: z.string(),
  repo: z.string().optional(),
  ref: z.string().optional(),
  profile: JobProfileSchema,
  /** Codex thread to continue (from the `continueFrom` job's result). */
  threadId: z.string().optional(),
  attempt: z.number().int().positive(),
  /** Events already stored for this job: a re-assigned job numbers on from here. */
  nextSeq: z.number().int().positive(),
  /** A follow-up continues its first job's branch (`csc/job-<id>`) instead of starting a new one. */
  branch: z.string().optional(),
  /** Files that came with the request; their parts follow the `job_assign` as `job_attachment` frames. */
  attachments: z.array(AttachmentSchema).max(10).optional(),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

/** Master → node: run this job. */
export const JobAssignFrameSchema = z.object({ type: z.literal('job_assign'), job: JobSpecSchema });
/**
 * Why the master tells a node to stop a job. `cancel`: someone cancelled it (the node answers with a
 * `finished` event, status cancelled). The others mean this node's copy is no longer the job:
 * `superseded` (re-queued and given to another attempt), `ended` (it already has a final state),
 * `not_assigned` (the master never gave it to this node). For those the node stops the run, forgets
 * its events (the master would refuse them) and logs `message`.
 */
export const JobCancelReasonSchema = z.enum(['cancel', 'superseded', 'ended', 'not_assigned']);
export type JobCancelReason = z.infer<typeof JobCancelReasonSchema>;

/** Master → node: stop this job. Without a reason it is a `cancel`. */
export const JobCancelFrameSchema = z.object({
  type: z.literal('job_cancel'),
  jobId: z.number().int().positive(),
  reason: JobCancelReasonSchema.optional(),
  /** For the node's log: what happened to the job, in plain words. */
  message: z.string().max(1000).optional(),
});
/** Node → master: events of one job, in order. Sent again after a reconnect until acknowledged. */
export const JobEventsFrameSchema = z.object({
  type: z.literal('job_events'),
  jobId: z.number().int().positive(),
  /** The `JobSpec.attempt` these events belong to; the master refuses events of an attempt that is not current. */
  attempt: z.number().int().positive().optional(),
  events: z.array(SequencedJobEventSchema).min(1).max(1000),
});
/** Master → node: every event up to `seq` is stored; the node may forget them. */
export const JobAckFrameSchema = z.object({ type: z.literal('job_ack'), jobId: z.number().int().positive(), seq: z.number().int().min(0) });
