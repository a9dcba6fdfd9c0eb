import { z } from 'zod';

/**
 * Codex's questions to the people driving a job (approvals, permissions, user input, MCP
 * elicitations, tool calls, and kinds a newer Codex adds), as they travel: the node asks through a
 * `question` job event, whoever may answer does so through the master (HTTP, a bridge's
 * `question_answer`), the master hands the decision to the node (`job_answer`), and the node
 * records it as an `answer` event. `JobRecord.questions` / `JobSummary.questions` hold each
 * question's state, so every reader (dashboard, bridges after a reconnect, the CLI) sees the
 * pending ones without replaying the log.
 */

/** What a person can decide; which ones make sense for a question is in its `decisions`. */
export const QuestionDecisionSchema = z.enum(['accept', 'acceptForSession', 'decline', 'cancel']);
export type QuestionDecision = z.infer<typeof QuestionDecisionSchema>;

/** Ids the node gives its questions: unique within the job (`a<attempt>q<n>`). */
export const QuestionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

/** A file of a file-change question; `diff` is cut (with a note) past the node's cap. */
export const QuestionFileSchema = z.object({
  path: z.string(),
  kind: z.enum(['add', 'delete', 'update']),
  movePath: z.string().optional(),
  diff: z.string().optional(),
  added: z.number().int().min(0),
  removed: z.number().int().min(0),
});

const base = {
  id: QuestionIdSchema,
  /** The JSON-RPC method Codex sent. */
  method: z.string().max(200),
  threadId: z.string().max(200).optional(),
  turnId: z.string().max(200).optional(),
  itemId: z.string().max(200).optional(),
  reason: z.string().max(10_000).optional(),
  /** The decisions Codex offers, in the order to show them. */
  decisions: z.array(QuestionDecisionSchema).min(1).max(4),
};

export const UserInputItemSchema = z.object({
  id: z.string(),
  header: z.string(),
  question: z.string(),
  isOther: z.boolean(),
  isSecret: z.boolean(),
  options: z.array(z.object({ label: z.string(), description: z.string() })),
});

/** One question of a job, as the node forwards it. */
export const JobQuestionSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('command'),
    command: z.string().optional(),
    cwd: z.string().optional(),
    /** `command`, `humanCommand` or `writeStdin`. */
    action: z.string().max(64).optional(),
    approvalId: z.string().max(200).optional(),
  }),
  z.object({ ...base, kind: z.literal('file_change'), changes: z.array(QuestionFileSchema).max(1000), grantRoot: z.string().optional() }),
  z.object({ ...base, kind: z.literal('permissions'), cwd: z.string().optional(), permissions: z.record(z.string(), z.unknown()) }),
  z.object({ ...base, kind: z.literal('user_input'), questions: z.array(UserInputItemSchema).max(50) }),
  z.object({
    ...base,
    kind: z.literal('elicitation'),
    serverName: z.string(),
    mode: z.string(),
    message: z.string(),
    requestedSchema: z.unknown().optional(),
    url: z.string().optional(),
  }),
  z.object({ ...base, kind: z.literal('tool_call'), tool: z.string(), namespace: z.string().optional(), arguments: z.unknown() }),
  /** A request this client does not know (a newer Codex): shown as it is, and only declined. */
  z.object({ ...base, kind: z.literal('unknown'), params: z.unknown() }),
]);
export type JobQuestion = z.infer<typeof JobQuestionSchema>;
export type QuestionKind = JobQuestion['kind'];

/** What was decided, and the extras some kinds take. */
export const QuestionAnswerSchema = z.object({
  decision: QuestionDecisionSchema,
  /** Free text: a user-input answer for every question, a tool's output, a reason for denying. */
  text: z.string().max(10_000).optional(),
  /** User-input answers by question id. */
  answers: z.record(z.string(), z.array(z.string().max(10_000)).max(20)).optional(),
  /** An accepted elicitation's content (matching its `requestedSchema`). */
  content: z.unknown().optional(),
});
export type QuestionAnswer = z.infer<typeof QuestionAnswerSchema>;

/**
 * Where an answer came from. `timeout`: nobody answered within the job's approval timeout (the
 * master declined); `node`: the node settled it itself (the turn ended, the master was away too long).
 */
export const AnswerViaSchema = z.enum(['telegram', 'slack', 'dashboard', 'cli', 'api', 'runner', 'timeout', 'node']);
export type AnswerVia = z.infer<typeof AnswerViaSchema>;

/** Who answered, from where, and when. */
export const AnswererSchema = z.object({
  via: AnswerViaSchema,
  /** The platform's user id (chat answers). */
  userId: z.string().max(200).optional(),
  /** A name to show: the chat user's, the credential's, `admin`. */
  name: z.string().max(200).optional(),
  at: z.string(),
});
export type Answerer = z.infer<typeof AnswererSchema>;

/**
 * A question's state on the master. `pending` until answered (`answered`, with `answer` and `by`)
 * or made moot because the copy of the job that asked is gone (`moot`: the job ended, its attempt
 * was re-queued). `deadline`: when the master declines it unanswered.
 */
export const QuestionStateSchema = z.object({
  question: JobQuestionSchema,
  attempt: z.number().int().positive(),
  askedAt: z.string(),
  deadline: z.string(),
  status: z.enum(['pending', 'answered', 'moot']),
  answer: QuestionAnswerSchema.optional(),
  by: AnswererSchema.optional(),
});
export type QuestionState = z.infer<typeof QuestionStateSchema>;

/** Job event: Codex asked (the node's record; the question becomes pending on the master). */
export const QuestionEventSchema = z.object({ kind: z.literal('question'), question: JobQuestionSchema });
/** Job event: what the node told Codex, and who decided. */
export const AnswerEventSchema = z.object({ kind: z.literal('answer'), questionId: QuestionIdSchema, answer: QuestionAnswerSchema, by: AnswererSchema });

/** Master → node: the answer to a pending question (sent again after a reconnect until the node records it). */
export const JobAnswerFrameSchema = z.object({
  type: z.literal('job_answer'),
  jobId: z.number().int().positive(),
  questionId: QuestionIdSchema,
  answer: QuestionAnswerSchema,
  by: AnswererSchema,
});
export type JobAnswerFrame = z.infer<typeof JobAnswerFrameSchema>;

/** A chat user pressing a button, as the bridge saw them (it has checked its allow-list). */
export const ChatAnswererSchema = z.object({
  platform: z.enum(['slack', 'telegram']),
  chatId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  userName: z.string().max(200).optional(),
});

/** Bridge → master: a chat user's answer. Answered by `question_result` with the same `requestId`. */
export const QuestionAnswerFrameSchema = z.object({
  type: z.literal('question_answer'),
  requestId: z.string().min(1).max(64),
  jobId: z.number().int().positive(),
  questionId: QuestionIdSchema,
  answer: QuestionAnswerSchema,
  user: ChatAnswererSchema,
});
export type QuestionAnswerFrame = z.infer<typeof QuestionAnswerFrameSchema>;

/**
 * Master → bridge: how a `question_answer` went. `answered`: this answer won. `already_decided`:
 * someone was first (`state` says who and what). `refused`: the user may not answer this job's
 * questions (another chat). `not_found`: no such job or question.
 */
export const QuestionResultFrameSchema = z.object({
  type: z.literal('question_result'),
  requestId: z.string().min(1).max(64),
  outcome: z.enum(['answered', 'already_decided', 'refused', 'not_found']),
  message: z.string().max(1000),
  state: QuestionStateSchema.optional(),
});
export type QuestionResultFrame = z.infer<typeof QuestionResultFrameSchema>;

/** How long a question waits for an answer unless the job says otherwise: 10 minutes. */
export const DEFAULT_APPROVAL_TIMEOUT_SEC = 600;
