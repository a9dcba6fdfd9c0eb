import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../log/index.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import { registerEventRoutes } from './event-routes.js';
import { registerJobRoutes } from './job-routes.js';
import { nodeView } from './node-view.js';
import { parseBody } from './parse.js';
import { registerRemoteNodeRoutes } from './remote-node-routes.js';
import { registerSettingsRoutes } from './settings-routes.js';

export interface RouteDeps {
  hub: Hub;
  jobs: JobService;
  store: Store;
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
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
    lastConfigSave: lastConfigSave(deps.settings),
  }));

  app.get('/api/nodes', () => ({ nodes: deps.hub.listNodes().map((node) => nodeView(node, deps.jobs)) }));

  app.get('/api/nodes/known', () => ({ nodes: deps.store.listKnownNodes() }));

  app.post('/api/broadcast', (req, reply) => {
    const { text } = parseBody(BroadcastBody, req.body);
    const delivered = deps.hub.broadcast(text);
    deps.log.info({ delivered, bytes: Buffer.byteLength(text) }, 'broadcast from the API');
    return reply.status(202).send({ delivered });
  });

  registerJobRoutes(app, deps.jobs, deps.allowLocalRepos);
  registerSettingsRoutes(app, deps.settings);
  registerRemoteNodeRoutes(app, deps.remoteNodes);
  registerEventRoutes(app, deps);
}

/** For the dashboard's header: when the bridge settings were last saved, and the note left then. */
function lastConfigSave(settings: SettingsService): { savedAt: string; memo: string } | null {
  const { settings: current, savedAt } = settings.get();
  return savedAt === null ? null : { savedAt, memo: current.memo };
}
