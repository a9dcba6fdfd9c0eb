/**
 * Codex's questions to the people driving a job, as the master's API carries them
 * (`src/protocol/questions.ts` is the source; written out here like the rest of `types.ts`).
 */

/** What a person can decide; which ones a question takes is in its `decisions`, in the order to show. */
export type QuestionDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** A file of a file-change question; `diff` is cut (with a note) past the node's cap. */
export interface QuestionFile {
  path: string;
  kind: 'add' | 'delete' | 'update';
  movePath?: string;
  /** The whole content of an added or deleted file; unified-diff hunks for an update. */
  diff?: string;
  added: number;
  removed: number;
}

export interface UserInputItem {
  id: string;
  header: string;
  question: string;
  /** Codex takes an answer other than the options. */
  isOther: boolean;
  isSecret: boolean;
  options: { label: string; description: string }[];
}

interface QuestionBase {
  /** Unique within the job: `a<attempt>q<n>`. */
  id: string;
  method: string;
  threadId?: string;
  turnId?: string;
  itemId?: string;
  reason?: string;
  decisions: QuestionDecision[];
}

export type JobQuestion = QuestionBase &
  (
    | { kind: 'command'; command?: string; cwd?: string; action?: string; approvalId?: string }
    | { kind: 'file_change'; changes: QuestionFile[]; grantRoot?: string }
    | { kind: 'permissions'; cwd?: string; permissions: Record<string, unknown> }
    | { kind: 'user_input'; questions: UserInputItem[] }
    | { kind: 'elicitation'; serverName: string; mode: string; message: string; requestedSchema?: unknown; url?: string }
    | { kind: 'tool_call'; tool: string; namespace?: string; arguments: unknown }
    | { kind: 'unknown'; params: unknown }
  );

/** What was decided, with the extras some kinds take. */
export interface QuestionAnswer {
  decision: QuestionDecision;
  /** A user-input answer for every question, a tool's output, a reason for denying. */
  text?: string;
  /** User-input answers by question id. */
  answers?: Record<string, string[]>;
  /** An accepted elicitation's content. */
  content?: unknown;
}

export type AnswerVia = 'telegram' | 'slack' | 'dashboard' | 'cli' | 'api' | 'runner' | 'timeout' | 'node';

export interface Answerer {
  via: AnswerVia;
  userId?: string;
  name?: string;
  at: string;
}

/** A question's state on the master: pending until answered, or moot once the attempt that asked is gone. */
export interface QuestionState {
  question: JobQuestion;
  attempt: number;
  askedAt: string;
  /** When the master declines it unanswered. */
  deadline: string;
  status: 'pending' | 'answered' | 'moot';
  answer?: QuestionAnswer;
  by?: Answerer;
}

/** `POST /api/jobs/:id/questions/:qid`: an answer from this dashboard. */
export type DashboardAnswer = QuestionAnswer & { via: 'dashboard' };
