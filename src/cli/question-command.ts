import type { Command } from 'commander';
import type { ClientFlags } from '../config/index.js';
import type { QuestionAnswer, QuestionState } from '../protocol/index.js';
import { ApiClientError, type ApiClient } from './api-client.js';
import { apiClient, withConnection } from './api-options.js';
import { describeDecision, describeQuestion } from './render-job.js';

interface QuestionFlags extends ClientFlags {
  question?: string;
}

/** Sends an answer from the CLI; resolves with the question's new state. Throws the master's error (409 `conflict`: already decided). */
export async function postAnswer(api: ApiClient, jobId: number | string, questionId: string, answer: QuestionAnswer): Promise<QuestionState> {
  const path = `/api/jobs/${encodeURIComponent(jobId)}/questions/${encodeURIComponent(questionId)}`;
  const { question } = await api.request<{ question: QuestionState }>('POST', path, { ...answer, via: 'cli' });
  return question;
}

/** A refusal of the CLI itself: printed as it is, exit 1. */
class Refused extends Error {}

/** The question a command is about: `--question`, or else the job's oldest pending one. */
async function target(api: ApiClient, jobId: string, questionId: string | undefined): Promise<QuestionState> {
  const { questions } = await api.request<{ questions: QuestionState[] }>('GET', `/api/jobs/${encodeURIComponent(jobId)}/questions`);
  if (questionId !== undefined) {
    // One already decided is still sent: the master's refusal says who decided what, and when.
    const named = questions.find((q) => q.question.id === questionId);
    if (named === undefined) throw new Refused(`job ${jobId} has no question ${questionId}`);
    return named;
  }
  const pending = questions.filter((q) => q.status === 'pending').sort((a, b) => a.askedAt.localeCompare(b.askedAt));
  if (pending[0] === undefined) throw new Refused(`job ${jobId} has no pending question`);
  return pending[0];
}

/** Finds the question, lets `answerFor` build the answer (or refuse), sends it and says what became of it. */
async function decide(jobId: string, flags: QuestionFlags, answerFor: (state: QuestionState) => QuestionAnswer): Promise<void> {
  const api = apiClient(flags);
  try {
    const state = await target(api, jobId, flags.question);
    const decided = await postAnswer(api, jobId, state.question.id, answerFor(state));
    process.stdout.write(`job ${jobId} question ${decided.question.id} ${decided.answer ? describeDecision(decided.answer) : 'answered'}: ${describeQuestion(decided.question)}\n`);
  } catch (error) {
    // Someone else was first (or the CLI refused): the message is the whole story.
    if (!(error instanceof Refused) && !(error instanceof ApiClientError && error.code === 'conflict')) throw error;
    process.stderr.write(`csc: ${error.message}\n`);
    process.exitCode = 1;
  }
}

/** Approving a question that wants words would send none: point to `answer` instead. */
function approval(jobId: string, state: QuestionState, decision: 'accept' | 'acceptForSession'): QuestionAnswer {
  const { kind, id } = state.question;
  if (kind === 'user_input' || kind === 'tool_call') throw new Refused(`question ${id} asks for an answer, not an approval: csc job answer ${jobId} TEXT --question ${id}`);
  if (kind === 'unknown') throw new Refused(`question ${id} (${state.question.method}) can only be denied: csc job deny ${jobId} --question ${id}`);
  return { decision };
}

/** Text answers a user-input question or is a tool's output; an elicitation takes its content as JSON. */
function textAnswer(jobId: string, state: QuestionState, text: string): QuestionAnswer {
  const { kind, id } = state.question;
  if (kind === 'user_input' || kind === 'tool_call') return { decision: 'accept', text };
  if (kind === 'elicitation') {
    try {
      return { decision: 'accept', content: JSON.parse(text) as unknown };
    } catch {
      throw new Refused(`question ${id} takes its answer as JSON (e.g. '{"name": "value"}'), not ${JSON.stringify(text)}`);
    }
  }
  throw new Refused(`question ${id} asks for an approval, not an answer: csc job approve ${jobId} --question ${id}, or csc job deny ${jobId} --question ${id}`);
}

const WHICH = 'the question to answer (e.g. a1q2; default: the oldest pending one)';

/** `csc job approve`, `csc job deny` and `csc job answer`: answering what Codex asks a job's people. */
export function registerQuestionCommands(job: Command): void {
  withConnection(job.command('approve'))
    .description("approve what Codex asks of a job (run a command, change files, more permissions, an MCP server's request)")
    .argument('<id>', 'the job')
    .option('--question <qid>', WHICH)
    .option('--for-job', 'approve it for the rest of the job, not only this once (when Codex offers that)')
    .addHelpText('after', '\nExamples:\n  csc job approve 12                      the oldest pending question of job 12, once\n  csc job approve 12 --question a1q2 --for-job\n\nThe first answer wins (a chat, the dashboard, the CLI); a later one exits 1 and says who decided.\nOn a terminal, csc job run asks these questions itself.')
    .action((id: string, flags: QuestionFlags & { forJob?: boolean }) => decide(id, flags, (state) => approval(id, state, flags.forJob ? 'acceptForSession' : 'accept')));

  withConnection(job.command('deny'))
    .description('deny what Codex asks of a job; Codex is told and goes on without it (or stops, with --stop)')
    .argument('<id>', 'the job')
    .option('--question <qid>', WHICH)
    .option('--message <text>', 'why, for the record (and for Codex where its request takes a reason)')
    .option('--stop', 'deny and stop the turn: Codex does not go on (when Codex offers that)')
    .addHelpText('after', '\nExamples:\n  csc job deny 12\n  csc job deny 12 --question a1q3 --message "no network access from CI"\n  csc job deny 12 --stop')
    .action((id: string, flags: QuestionFlags & { message?: string; stop?: boolean }) =>
      decide(id, flags, () => ({ decision: flags.stop ? 'cancel' : 'decline', ...(flags.message === undefined ? {} : { text: flags.message }) })),
    );

  withConnection(job.command('answer'))
    .description("answer a question of Codex's in words: user input, a tool call's output, or an MCP elicitation's content as JSON")
    .argument('<id>', 'the job')
    .argument('<text>', 'the answer')
    .option('--question <qid>', WHICH)
    .addHelpText('after', '\nExamples:\n  csc job answer 12 "use the staging database"\n  csc job answer 12 --question a1q4 \'{"environment": "staging"}\'   an elicitation\'s content')
    .action((id: string, text: string, flags: QuestionFlags) => decide(id, flags, (state) => textAnswer(id, state, text)));
}
