import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PublishModeSchema } from '../../protocol/index.js';
import { parseUnifiedDiff, type JobService } from '../jobs/index.js';
import { IdParams } from './parse.js';
import { route } from './route.js';

const DiffQuery = z.strictObject({ format: z.enum(['diff', 'json']).default('diff') });

const PublishBody = z.strictObject({
  mode: PublishModeSchema,
  /** How long to wait for the node's answer (default 60 s); a later answer is stored all the same. */
  waitSec: z.number().int().min(1).max(300).optional(),
});

/**
 * A job's change: its diff (`GET /api/jobs/:id/diff`, as the node's `git diff` wrote it, or
 * parsed with `?format=json`) and publishing it afterwards (`POST /api/jobs/:id/publish`).
 */
export function registerChangeRoutes(app: FastifyInstance, jobs: JobService): void {
  route(app, {
    method: 'GET',
    url: '/api/jobs/:id/diff',
    params: IdParams,
    query: DiffQuery,
    handler: async ({ params: { id }, query: { format } }, _req, reply) => {
      const { text, truncated } = await jobs.diff(id);
      if (format === 'json') return { files: parseUnifiedDiff(text), truncated };
      // The bytes as the node's git wrote them, so that `git apply` takes them as they are.
      return reply.type('text/x-diff; charset=utf-8').header('content-disposition', `inline; filename="job-${id}.diff"`).send(text);
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/jobs/:id/publish',
    params: IdParams,
    body: PublishBody,
    // 200 with the job once the node's answer is stored, a failed publication too (its `error` says why).
    handler: ({ params: { id }, body: { mode, waitSec } }) => jobs.publisher.publish(id, mode, waitSec === undefined ? undefined : waitSec * 1000),
  });
}
