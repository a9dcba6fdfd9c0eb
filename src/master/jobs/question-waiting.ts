import type { JobQuestion, QuestionState } from '../../protocol/index.js';
import type { JobRecord } from '../store/index.js';

const MAX_ASK = 200;

/** The questions of a job nobody has answered yet, oldest first. */
export function pendingQuestions(job: JobRecord): QuestionState[] {
  return job.questions?.filter((state) => state.status === 'pending') ?? [];
}

/**
 * A running job as readers see it while Codex waits for an answer: `waiting` says to which
 * question, and what it asks ("waiting for an answer to question a1q1 (Codex asks to run npm
 * test)"). Any other job is returned as it is. Computed on reads and notifications, never stored.
 */
export function withQuestionWaiting(job: JobRecord): JobRecord {
  if (job.questions === undefined || (job.status !== 'assigned' && job.status !== 'running')) return job;
  const pending = pendingQuestions(job);
  const first = pending[0];
  if (first === undefined) return job;
  const more = pending.length > 1 ? `, and ${pending.length - 1} more` : '';
  // Not a spread: see `withChanges`.
  return Object.assign({}, job, { waiting: `waiting for an answer to question ${first.question.id} (${describeAsk(first.question)})${more}` });
}

/** What Codex asks, in a few words (the master's own wording: the CLI, chats and dashboard have theirs). */
function describeAsk(question: JobQuestion): string {
  return cut(ask(question));
}

function ask(question: JobQuestion): string {
  switch (question.kind) {
    case 'command':
      return `Codex asks to run ${question.command ?? 'a command'}`;
    case 'file_change':
      return `Codex asks to change ${question.changes.map((change) => change.path).join(', ') || 'files'}`;
    case 'permissions':
      return 'Codex asks for more permissions';
    case 'user_input':
      return `Codex asks: ${question.questions.map((item) => item.question).join(' / ')}`;
    case 'elicitation':
      return `${question.serverName} asks: ${question.message}`;
    case 'tool_call':
      return `Codex asks to call ${question.tool}`;
    case 'unknown':
      return `Codex sent ${question.method}`;
  }
}

function cut(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > MAX_ASK ? `${line.slice(0, MAX_ASK - 1)}…` : line;
}
