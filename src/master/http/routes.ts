import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../log/index.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { Store } from '../store/index.js';
import { registerJobRoutes } from './job-routes.js';
import { parseBody } from './parse.js';

export interface RouteDeps {
  hub: Hub;
  jobs: JobService;
  store: Store;
  log: Logger;
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
}

const BroadcastBody = z.object({ text: z.string().min(1, 'text must not be empty').max(64 * 1024, 'text must be at most 64 KiB') });

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

  registerJobRoutes(app, deps.jobs, deps.allowLocalRepos);
}
