import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../log/index.js';
import type { Hub } from '../hub/index.js';
import type { Store } from '../store/index.js';
import { ApiError } from './api-error.js';

export interface RouteDeps {
  hub: Hub;
  store: Store;
  log: Logger;
  version: string;
  startedAt: Date;
}

const BroadcastBody = z.object({ text: z.string().min(1, 'text must not be empty').max(64 * 1024, 'text must be at most 64 KiB') });

/** Parses a request body at the edge; a bad one is a 400 that names the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new ApiError('bad_request', `invalid request body: ${where}${issue?.message ?? 'invalid'}`);
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/health', () => ({
    status: 'ok',
    version: deps.version,
    startedAt: deps.startedAt.toISOString(),
    uptimeSec: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
    nodes: deps.hub.listNodes().length,
  }));

  app.get('/api/nodes', () => ({ nodes: deps.hub.listNodes() }));

  app.get('/api/nodes/known', () => ({ nodes: deps.store.listKnownNodes() }));

  app.post('/api/broadcast', (req, reply) => {
    const { text } = parseBody(BroadcastBody, req.body);
    const delivered = deps.hub.broadcast(text);
    deps.log.info({ delivered, bytes: Buffer.byteLength(text) }, 'broadcast from the API');
    return reply.status(202).send({ delivered });
  });
}
