import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { QuestionAnswerSchema, QuestionIdSchema, isoNow, type QuestionAnswer } from '../../protocol/index.js';
import type { JobService } from '../jobs/index.js';
import { IdParams, decimalId } from './parse.js';
import { route } from './route.js';

const QuestionParams = z.strictObject({ id: decimalId, qid: QuestionIdSchema });

/** An answer, and where the admin gave it (`api` unless the dashboard or the CLI says). */
const AnswerBody = z.strictObject({ ...QuestionAnswerSchema.shape, via: z.enum(['dashboard', 'cli', 'api']).default('api') });

/**
 * Codex's questions of a job (`GET /api/jobs/:id/questions`: every one, pending and decided) and
 * answering one (`POST /api/jobs/:id/questions/:qid`): the first answer wins, later ones get a
 * `409` that says who decided, how and when; a decision the question does not offer is a `400`.
 */
export function registerQuestionRoutes(app: FastifyInstance, jobs: Pick<JobService, 'questions'>): void {
  route(app, { method: 'GET', url: '/api/jobs/:id/questions', params: IdParams, handler: async ({ params }) => ({ questions: await jobs.questions.list(params.id) }) });

  route(app, {
    method: 'POST',
    url: '/api/jobs/:id/questions/:qid',
    params: QuestionParams,
    body: AnswerBody,
    handler: async ({ params, body: { via, decision, text, answers, content } }) => {
      // Field by field: an absent extra stays absent in the stored answer and the node's frame.
      const answer: QuestionAnswer = { decision };
      if (text !== undefined) answer.text = text;
      if (answers !== undefined) answer.answers = answers;
      if (content !== undefined) answer.content = content;
      return { question: await jobs.questions.answer(params.id, params.qid, answer, { via, name: 'admin', at: isoNow() }) };
    },
  });
}
