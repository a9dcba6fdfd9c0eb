import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../log/index.js';
import type { CredentialService, SessionCookies } from '../auth/index.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { JobServices } from '../job-services.js';
import type { Health, MasterMetrics } from '../metrics/index.js';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import { registerAttachmentRoutes } from './attachment-routes.js';
import { registerChangeRoutes } from './change-routes.js';
import { registerCredentialRoutes } from './credential-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { registerJobRoutes } from './job-routes.js';
import { registerMetricsRoutes } from './metrics-routes.js';
import { registerLogRoutes } from './log-routes.js';
import { registerNodeRoutes } from './node-routes.js';
import type { NodeDirectory } from './node-view.js';
import { registerProfileRoutes } from './profile-routes.js';
import { registerQuestionRoutes } from './question-routes.js';
import { registerRemoteNodeRoutes } from './remote-node-routes.js';
import { route } from './route.js';
import { registerSettingsRoutes } from './settings-routes.js';
import { registerUsageRoutes } from './usage-routes.js';

export interface RouteDeps {
  hub: Hub;
  /** Every node on a master sharing the store: this one's and, shared, the others'. */
  nodes: NodeDirectory;
  jobs: JobService;
  services: JobServices;
  store: Store;
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  credentials: CredentialService;
  sessions: SessionCookies;
  log: Logger;
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
  metrics: MasterMetrics;
  health: Health;
  /** `MASTER_METRICS_PUBLIC`: `/metrics` without the admin token. */
  metricsPublic: boolean;
}

const BroadcastBody = z.strictObject({ text: z.string().min(1, 'text must not be empty').max(64 * 1024, 'text must be at most 64 KiB') });

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  route(app, {
    method: 'GET',
    url: '/api/health',
    access: 'public',
    handler: (_input, req) => {
      const { status, degraded } = deps.health.report();
      const now = new Date();
      // `time`: the master's clock, for `csc doctor`'s clock skew.
      const health = { status, version: deps.version, startedAt: deps.startedAt.toISOString(), uptimeSec: Math.round((now.getTime() - deps.startedAt.getTime()) / 1000), time: now.toISOString() };
      // Anyone may ask whether the master is up; why it is degraded, and what it serves, is for the admin.
      if (!req.admin) return health;
      return { ...health, degraded, nodes: deps.nodes.infos().length, lastConfigSave: lastConfigSave(deps.settings) };
    },
  });

  registerNodeRoutes(app, deps.nodes, deps.store);

  route(app, {
    method: 'POST',
    url: '/api/broadcast',
    body: BroadcastBody,
    handler: ({ body: { text } }, _req, reply) => {
      const delivered = deps.hub.broadcast(text);
      deps.log.info({ delivered, bytes: Buffer.byteLength(text) }, 'broadcast from the API');
      return reply.status(202).send({ delivered });
    },
  });

  registerJobRoutes(app, deps.jobs, deps.services.intake, deps.allowLocalRepos);
  registerLogRoutes(app, deps.jobs, deps.store.jobs.logs);
  registerProfileRoutes(app, deps.services.profiles, deps.allowLocalRepos);
  registerUsageRoutes(app, deps.services.usage);
  registerAttachmentRoutes(app, deps.services.files);
  registerChangeRoutes(app, deps.jobs);
  registerQuestionRoutes(app, deps.jobs);
  registerSettingsRoutes(app, deps.settings);
  registerRemoteNodeRoutes(app, deps.remoteNodes);
  registerCredentialRoutes(app, deps.credentials, deps.sessions);
  registerEventRoutes(app, deps);
  registerMetricsRoutes(app, deps.metrics, deps.metricsPublic);
}

/** For the dashboard's header: when the bridge settings were last saved, and the note left then. */
function lastConfigSave(settings: SettingsService): { savedAt: string; memo: string } | null {
  const { settings: current, savedAt } = settings.get();
  return savedAt === null ? null : { savedAt, memo: current.memo };
}
