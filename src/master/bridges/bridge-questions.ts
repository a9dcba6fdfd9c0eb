import { isoNow, type Answerer, type QuestionAnswerFrame, type QuestionResultFrame, type QuestionState } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { JobService } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

type Outcome = QuestionResultFrame['outcome'];

/** What the presser of a button is told, by decision. */
const DECIDED: Record<QuestionAnswerFrame['answer']['decision'], string> = {
  accept: 'Approved',
  acceptForSession: 'Approved for the rest of this job',
  decline: 'Denied',
  cancel: 'Denied, and the turn stops',
};

/**
 * A chat user's answer (`question_answer`): only someone in the chat the job came from may answer
 * (the bridge has checked its allow-list; an admin answers over HTTP). The first answer wins;
 * `question_result` tells the bridge how it went, with the question's state when there is one.
 */
export async function answerFromChat(jobs: Pick<JobService, 'get' | 'questions'>, frame: QuestionAnswerFrame): Promise<QuestionResultFrame> {
  const { jobId, questionId, user } = frame;
  const job = await findJob(jobs, jobId);
  if (job === undefined) return result(frame, 'not_found', `There is no job ${jobId}.`);
  if (job.origin.kind !== user.platform || String(job.origin.chatId) !== user.chatId) {
    return result(frame, 'refused', `Job ${jobId} was not started in this chat: only its own chat may answer its questions.`);
  }
  const by: Answerer = { via: user.platform, userId: user.userId, at: isoNow() };
  if (user.userName !== undefined) by.name = user.userName;
  try {
    const state = await jobs.questions.answer(jobId, questionId, frame.answer, by);
    return result(frame, 'answered', `${DECIDED[frame.answer.decision]} (job ${jobId}, question ${questionId}).`, state);
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    if (error.code === 'conflict') {
      const state = await jobs.questions.get(jobId, questionId);
      // Still pending: not decided, the job is between masters (see `Questions.answer`); the chat may answer again.
      if (state.status === 'pending') return result(frame, 'refused', `${capitalized(error.message)}.`, state);
      return result(frame, 'already_decided', capitalized(error.message), state);
    }
    if (error.code === 'not_found') return result(frame, 'not_found', `${capitalized(error.message)}.`);
    if (error.code === 'bad_request') return result(frame, 'refused', `${capitalized(error.message)}.`);
    throw error;
  }
}

/**
 * The questions as a chat shows them: file changes with their paths and counts, not their diffs
 * (a chat shows the files; the patch is in the dashboard and `csc job show`), so that every
 * `job_update` of a job that asked stays small.
 */
export function questionsForChat(states: readonly QuestionState[]): QuestionState[] {
  return states.map((state) => {
    if (state.question.kind !== 'file_change' || !state.question.changes.some((change) => change.diff !== undefined)) return state;
    const changes = state.question.changes.map(({ diff: _diff, ...change }) => change);
    return { ...state, question: { ...state.question, changes } };
  });
}

async function findJob(jobs: Pick<JobService, 'get'>, id: number): Promise<JobRecord | undefined> {
  try {
    return await jobs.get(id);
  } catch (error) {
    if (error instanceof CodedError && error.code === 'not_found') return undefined;
    throw error;
  }
}

function result(frame: QuestionAnswerFrame, outcome: Outcome, message: string, state?: QuestionState): QuestionResultFrame {
  const answer: QuestionResultFrame = { type: 'question_result', requestId: frame.requestId, outcome, message };
  if (state !== undefined) answer.state = state;
  return answer;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
