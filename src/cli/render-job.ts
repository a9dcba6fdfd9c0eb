import type { Answerer, JobEvent, JobQuestion, JobStatus, Publication, QuestionAnswer, SequencedJobEvent } from '../protocol/index.js';
import type { JobRecord } from '../master/store/index.js';

/** Exit codes of `csc job run`: the job's outcome, so scripts can branch on it. */
export const JOB_EXIT_CODES: Record<JobStatus, number> = {
  succeeded: 0,
  failed: 1,
  cancelled: 3,
  lost: 4,
  queued: 5,
  assigned: 5,
  running: 5,
};

/** One line (or block) for a person reading a job's log in a terminal; undefined to skip. */
export function renderEvent({ event }: SequencedJobEvent): string | undefined {
  return RENDERERS[event.kind](event as never);
}

type Renderers = { [K in JobEvent['kind']]: (event: Extract<JobEvent, { kind: K }>) => string | undefined };

const RENDERERS: Renderers = {
  started: (e) => `▶ started (${e.executor})`,
  agent_message: (e) => e.text,
  agent_message_delta: () => undefined,
  command_started: (e) => `$ ${e.command}`,
  command_finished: (e) => `${e.exitCode === 0 ? '✓' : '✗'} ${e.command} → exit ${e.exitCode ?? '?'}${e.durationMs === undefined ? '' : ` (${e.durationMs} ms)`}`,
  file_change: (e) => e.changes.map((c) => `± ${c.kind} ${c.path}${c.added === undefined ? '' : ` (+${c.added} -${c.removed ?? 0})`}`).join('\n'),
  token_usage: () => undefined,
  // The change itself is for `csc job diff`; the result line names its stat.
  diff: () => undefined,
  file: (e) => (e.part === 0 ? `📎 ${e.name} (${e.bytes} bytes)` : undefined),
  log: (e) => `[${e.level}] ${e.message}`,
  approval_request: (e) => `? Codex asked to ${e.action === 'command' ? `run ${e.command ?? 'a command'}` : 'change files'}${e.reason ? ` (${e.reason})` : ''}: ${e.decision}`,
  question: (e) => `? ${describeQuestion(e.question)} (question ${e.question.id})`,
  answer: (e) => `? ${e.questionId} ${describeAnswer(e.answer, e.by)}`,
  error: (e) => `! ${e.message}`,
  finished: (e) => {
    const r = e.result;
    const files = r.filesChanged.length > 0 ? `, ${r.filesChanged.length} file(s) changed` : '';
    const tokens = r.tokens ? `, ${r.tokens.total} tokens` : '';
    const published = r.publication === undefined ? '' : `\n${describePublication(r.publication)}`;
    return `■ ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s${files}${tokens}${r.error ? `: ${r.error}` : ''}${published}`;
  },
};

/** Where a job's change went: its pull request, its pushed branch, or why neither. */
export function describePublication(publication: Publication): string {
  if (publication.error !== undefined) return `! publishing ${publication.branch} failed: ${publication.error}`;
  if (publication.pullRequest) return `↗ pull request #${publication.pullRequest.number}: ${publication.pullRequest.url}`;
  return `↗ pushed branch ${publication.branch}`;
}

/** A job as one line of `csc job ls`. */
export function renderJobLine(job: JobRecord): string {
  const prompt = job.prompt.replace(/\s+/g, ' ');
  return `${String(job.id).padStart(5)}  ${job.status.padEnd(9)}  ${(job.node ?? '-').padEnd(16)}  ${job.createdAt}  ${prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt}`;
}

/** What Codex asks, in one line. */
export function describeQuestion(question: JobQuestion): string {
  switch (question.kind) {
    case 'command':
      return `Codex asks to run ${question.command ?? 'a command'}${question.cwd ? ` in ${question.cwd}` : ''}${question.reason ? ` (${question.reason})` : ''}`;
    case 'file_change':
      return `Codex asks to change ${question.changes.map((c) => c.path).join(', ') || 'files'}${question.reason ? ` (${question.reason})` : ''}`;
    case 'permissions':
      return `Codex asks for permissions ${JSON.stringify(question.permissions)}${question.reason ? ` (${question.reason})` : ''}`;
    case 'user_input':
      return `Codex asks: ${question.questions.map((q) => q.question).join(' / ')}`;
    case 'elicitation':
      return `${question.serverName} asks: ${question.message}`;
    case 'tool_call':
      return `Codex calls tool ${question.tool}`;
    case 'unknown':
      return `Codex sent ${question.method}, which this client does not know`;
  }
}

/** A decision in words: "approved once", "denied and stopped"; an accept that carries text or content is "answered". */
export function describeDecision(answer: QuestionAnswer): string {
  switch (answer.decision) {
    case 'accept':
      return answer.text !== undefined || answer.answers !== undefined || answer.content !== undefined ? 'answered' : 'approved once';
    case 'acceptForSession':
      return 'approved for this job';
    case 'decline':
      return 'denied';
    case 'cancel':
      return 'denied and stopped';
  }
}

/**
 * What was decided and by whom, e.g. "approved once by admin (cli)". The text of an answer is left
 * out: a user-input answer can be a secret, and the log is for everyone who may read the job.
 */
export function describeAnswer(answer: QuestionAnswer, by: Answerer): string {
  if (by.via === 'timeout') return `${describeDecision(answer)}: nobody answered in time`;
  if (by.via === 'node') return `${describeDecision(answer)} by the node`;
  return `${describeDecision(answer)} by ${by.name ?? by.userId ?? 'someone'} (${by.via})`;
}
