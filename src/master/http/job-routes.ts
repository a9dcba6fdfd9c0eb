import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AttachmentSchema, JobProfileSchema, JobStatusSchema, ProfileNameSchema, RunModeSchema, isSafeRef, parseRepoSpec, repoKey } from '../../protocol/index.js';
import type { IdempotencyKey, JobIntake, JobService } from '../jobs/index.js';
import { ApiError } from './api-error.js';
import { IdParams, decimalCount, decimalId } from './parse.js';
import { route } from './route.js';

function createJobBody(allowLocal: boolean) {
  return z.strictObject({
    prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000, 'prompt must be at most 100 000 characters'),
    node: z.string().trim().min(1).max(64).optional(),
    tags: z.array(z.string().trim().min(1).max(64)).max(32).optional(),
    repo: z
      .string()
      .optional()
      .superRefine((repo, ctx) => {
        const parsed = repo === undefined ? undefined : parseRepoSpec(repo, { allowLocal });
        if (parsed && 'error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
      }),
    ref: z.string().refine(isSafeRef, 'ref must be a branch, tag or commit name').optional(),
    profile: z.strictObject(JobProfileSchema.shape).optional(),
    continueFrom: z.number().int().positive().optional(),
    timeoutSec: z.number().int().min(1).max(86_400).optional(),
    queueTimeoutSec: z.number().int().min(1).max(7 * 86_400).optional(),
    profileName: ProfileNameSchema.optional(),
    mode: RunModeSchema.optional(),
    attachments: z.array(AttachmentSchema).max(10).optional(),
    origin: z.enum(['api', 'dashboard', 'cli']).default('api'),
  });
}

const ListQuery = z.strictObject({
  status: JobStatusSchema.optional(),
  node: z.string().optional(),
  limit: decimalCount('limit', 1, 500).default(50),
  before: decimalId.optional(),
});

/**
 * A promise that resolves once the immediates already queued this turn (the store's commit, the
 * outbox's flush) have run. Every request of a turn shares one: creates arrive in bursts.
 */
function turnEnds(): () => Promise<void> {
  let current: Promise<void> | undefined;
  return () =>
    (current ??= new Promise((resolve) => {
      setImmediate(() => {
        current = undefined;
        resolve();
      });
    }));
}

/** 1–255 printable ASCII characters (a UUID, say). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key` with a digest of the body it came with (as parsed: the same
 * request sent again with its fields in another order is the same request); undefined without one.
 */
function idempotencyKey(req: FastifyRequest, body: unknown): IdempotencyKey | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError('bad_request', 'Idempotency-Key must be 1-255 printable ASCII characters');
  }
  return { key, fingerprint: createHash('sha256').update(JSON.stringify(body)).digest('base64url') };
}

export function registerJobRoutes(app: FastifyInstance, jobs: JobService, intake: JobIntake, allowLocalRepos: boolean): void {
  const afterTurn = turnEnds();
  route(app, {
    method: 'POST',
    url: '/api/jobs',
    body: createJobBody(allowLocalRepos),
    handler: async ({ body }, req, reply) => {
      const { prompt, node, tags, repo, ref, profile, continueFrom, timeoutSec, queueTimeoutSec, profileName, mode, attachments, origin } = body;
      const key = idempotencyKey(req, body);
      // The body's schema has refused a repo that does not parse. Field by field, not rest and
      // spread: on Node 20 those cost microseconds here (see `withChanges`).
      const parsed = repo === undefined ? undefined : parseRepoSpec(repo, { allowLocal: allowLocalRepos });
      const normalized = parsed && !('error' in parsed) ? repoKey(parsed) : repo;
      const request = { prompt, node, tags, repo: normalized, ref, profile, continueFrom, timeoutSec, queueTimeoutSec, profileName, mode, attachments, origin: { kind: origin } };
      // With a key, a repeat (a retry after a reset connection) gets the job the key made: 200, not 201.
      const { job, created } = key === undefined ? { job: await intake.create(request), created: true } : await intake.createOnce(request, key);
      // Answered with the turn's commit rather than a commit of its own (creates arrive in bursts),
      // and after the turn's frames: a node that was free gets the job before the requester hears back.
      // Both asked for now: the turn's end before the commit resolves (asked for later, it would
      // wait a whole loop iteration), the commit so that one that fails fails this request too.
      const turnEnd = afterTurn();
      await jobs.whenCommitted();
      await turnEnd;
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(created ? 201 : 200).send(job);
    },
  });

  route(app, {
    method: 'GET',
    url: '/api/jobs',
    query: ListQuery,
    handler: async ({ query }) => {
      const list = await jobs.list({ ...query, ...(query.before === undefined ? {} : { beforeId: query.before }) });
      const last = list.at(-1);
      return { jobs: list, next: list.length === query.limit && last ? last.id : null };
    },
  });

  route(app, { method: 'GET', url: '/api/jobs/:id', params: IdParams, handler: ({ params }) => jobs.show(params.id) });

  route(app, {
    method: 'POST',
    url: '/api/jobs/:id/cancel',
    params: IdParams,
    handler: async ({ params }, _req, reply) => reply.status(202).send(await intake.cancel(params.id)),
  });
}

