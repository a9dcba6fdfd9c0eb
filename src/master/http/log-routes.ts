import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { JobService } from '../jobs/index.js';
import type { JobLog, LogPageQuery } from '../store/index.js';
import { followJobLog } from './log-follower.js';
import { IdParams, decimalCount } from './parse.js';
import { route } from './route.js';

const seqBound = (what: string, min: number) => decimalCount(what, min, Number.MAX_SAFE_INTEGER);
/** `true` or `false`, nothing else: a query's flag. */
const flag = (what: string) =>
  z
    .enum(['true', 'false'], `${what} must be true or false`)
    .transform((value) => value === 'true')
    .default(false);

const LogsQuery = z
  .strictObject({
    after: seqBound('after', 0).optional(),
    before: seqBound('before', 1).optional(),
    limit: decimalCount('limit', 1, 5000).default(1000),
    fold: flag('fold'),
  })
  .refine((query) => query.after === undefined || query.before === undefined, 'after and before cannot be used together');

const SearchQuery = z
  .strictObject({
    // Required, but checked after the keys: a misspelt `query=` is named as unknown, not as `q` missing.
    q: z
      .string()
      .min(1, 'q must not be empty')
      .max(200, 'q must be at most 200 characters')
      .refine((q) => q.trim().length > 0, 'q must not be only whitespace')
      .optional(),
    limit: decimalCount('limit', 1, 500).default(100),
    before: seqBound('before', 1).optional(),
    fold: flag('fold'),
  })
  .transform(({ q, ...rest }, ctx) => {
    if (q !== undefined) return { q, ...rest };
    ctx.addIssue({ code: 'custom', path: ['q'], message: 'q (the text to look for) is required' });
    return z.NEVER;
  });

const StreamQuery = z.strictObject({ after: seqBound('after', 0).default(0) });

/** A page of the log in the store's terms: after 0 when neither end is given (the first page). */
function pageQuery({ after, before, limit, fold }: z.output<typeof LogsQuery>): LogPageQuery {
  return before === undefined ? { after: after ?? 0, limit, fold } : { before, limit, fold };
}

/**
 * A job's log: a page of it (`/logs`, after or before a seq, deltas folded or not), a search in it
 * (`/logs/search`), and its live stream (`/logs/stream`, Server-Sent Events).
 */
export function registerLogRoutes(app: FastifyInstance, jobs: JobService, log: JobLog): void {
  route(app, {
    method: 'GET',
    url: '/api/jobs/:id/logs',
    params: IdParams,
    query: LogsQuery,
    handler: async ({ params: { id }, query }) => {
      const [job, { events, more }] = await Promise.all([jobs.get(id), log.page(id, pageQuery(query))]);
      return { jobId: id, status: job.status, lastSeq: job.lastSeq, events, more };
    },
  });

  route(app, {
    method: 'GET',
    url: '/api/jobs/:id/logs/search',
    params: IdParams,
    query: SearchQuery,
    handler: async ({ params: { id }, query: { q, limit, before, fold } }) => {
      const [, matches] = await Promise.all([jobs.get(id), log.search(id, { text: q, limit, before, fold })]);
      return { matches };
    },
  });

  route(app, {
    method: 'GET',
    url: '/api/jobs/:id/logs/stream',
    access: 'stream',
    params: IdParams,
    query: StreamQuery,
    handler: ({ params: { id }, query: { after } }, req, reply) => followLog(jobs, id, resumePoint(req) ?? after, reply),
  });
}

/** `Last-Event-ID`, which an `EventSource` sends when it reconnects. */
function resumePoint(req: FastifyRequest): number | undefined {
  const header = req.headers['last-event-id'];
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/** Opens the stream once the job is known to exist (a 404 otherwise, before any header). */
async function followLog(jobs: JobService, id: number, after: number, reply: FastifyReply): Promise<void> {
  await jobs.get(id);
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  // Headers go now, not with the first event: a queued job's follower (EventSource) opens at once.
  reply.raw.flushHeaders();
  followJobLog(jobs, id, reply.raw, after);
}
