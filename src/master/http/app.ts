import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../log/index.js';
import type { CredentialService, SessionCookies } from '../auth/index.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { JobServices } from '../job-services.js';
import type { Health, MasterMetrics } from '../metrics/index.js';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import type { SettingsService } from '../settings/index.js';
import { settled, type Commit, type Store } from '../store/index.js';
import { CodedError } from '../coded-error.js';
import { HTTP_STATUS, codeForStatus, errorBody } from './api-error.js';
import { enforceAccess, publicScope, type RouteEntry } from './access.js';
import { PLACEHOLDER_HTML } from './placeholder.js';
import type { NodeDirectory } from './node-view.js';
import { registerRoutes } from './routes.js';

export interface HttpAppOptions {
  adminToken: string;
  /** `frontend/dist`; a placeholder page is served while it has no `index.html`. */
  dashboardDir: string;
  bodyLimitBytes: number;
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
  /** Certificate and key: serve `https://` only. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** `MASTER_METRICS_PUBLIC`: `/metrics` without the admin token. */
  metricsPublic: boolean;
}

export interface HttpAppDeps {
  hub: Hub;
  /** Every node on a master sharing the store (`/api/nodes`, the health, the dashboard's feed). */
  nodes: NodeDirectory;
  jobs: JobService;
  services: JobServices;
  store: Store;
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  credentials: CredentialService;
  sessions: SessionCookies;
  metrics: MasterMetrics;
  health: Health;
  log: Logger;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route and who may call it, as registered (see `enforceAccess`). */
    readonly routeTable: readonly RouteEntry[];
  }
}

/** The HTTP API and dashboard. Every route requires the admin token unless it is declared public. */
export async function createHttpApp(options: HttpAppOptions, deps: HttpAppDeps): Promise<FastifyInstance> {
  // Request logging is off: a URL may carry a secret someone put there, and logs must never hold one.
  // Widened on purpose: Fastify's generics otherwise leak pino's Logger type into every route.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    // The master's own logger, not a child per request: nothing logs per request, and a pino child
    // (with its redaction) cost more than the rest of the routing of a job create.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimitBytes,
    // Spread, not `https: tls ?? null`: that would type the app as an https.Server app, and every
    // route with it, for what is the same request/reply API at run time.
    ...(options.tls === undefined ? {} : { https: { cert: options.tls.cert, key: options.tls.key } }),
  });

  app.decorate('routeTable', enforceAccess(app, options.adminToken, deps.sessions));
  // Nothing is announced before it is stored: the store commits before any response leaves. A
  // commit that is durable at once (SQLite) lets the reply go in the same turn, without a promise.
  app.addHook('onSend', (_req, _reply, payload, done) => {
    let commit: Commit;
    try {
      commit = deps.store.commit();
    } catch (error) {
      return done(error as Error);
    }
    if (commit === undefined) return done(null, payload);
    settled(commit).then(
      () => done(null, payload),
      (error: unknown) => done(error as Error),
    );
  });
  app.setErrorHandler((error: FastifyError | CodedError, _req, reply) => sendError(error, reply, deps.log));
  acceptEmptyJsonBodies(app);

  registerRoutes(app, { ...deps, version: options.version, startedAt: options.startedAt, allowLocalRepos: options.allowLocalRepos, metricsPublic: options.metricsPublic });
  await registerDashboard(app, options.dashboardDir);
  return app;
}

/**
 * Clients that send `content-type: application/json` on every request (DELETE included) are
 * common; an empty body is then no body, and the route's own check says what it needs.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  // Fastify's own JSON parser (with its prototype-poisoning checks) answers through `done`.
  const parseJson = app.getDefaultJsonParser('error', 'error') as (req: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) => void;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else parseJson(req, text, done);
  });
}

function sendError(error: FastifyError | CodedError, reply: FastifyReply, log: Logger): FastifyReply {
  if (error instanceof CodedError) return reply.status(HTTP_STATUS[error.code]).send(errorBody(error.code, error.message));
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('internal', 'internal error; see the master log'));
  }
  return reply.status(status).send(errorBody(codeForStatus(status), error.message));
}

async function registerDashboard(app: FastifyInstance, dashboardDir: string): Promise<void> {
  const indexFile = join(dashboardDir, 'index.html');
  // Read once, like the file routes @fastify/static registers at start: a rebuild needs a restart.
  const shell = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : PLACEHOLDER_HTML;
  if (shell !== PLACEHOLDER_HTML) {
    await app.register(async (scope) => {
      publicScope(scope);
      await scope.register(fastifyStatic, { root: dashboardDir, wildcard: false });
    });
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.method !== 'GET' || isApiPath(req.url)) {
      return reply.status(404).send(errorBody('not_found', `no route for ${req.method} ${req.url.split('?')[0] ?? ''}`));
    }
    // The dashboard routes on the client, so deep links like /jobs/42 get the app shell.
    return reply.type('text/html; charset=utf-8').send(shell);
  });
}

/**
 * Whether an unrouted URL is, however spelled, under `/api`: those get a JSON 404, never the
 * dashboard's shell. Decoded as often as it is encoded, `;` parameters, empty and dot segments
 * dropped, case ignored, and an absolute-form URL reduced to its path.
 */
function isApiPath(url: string): boolean {
  let path = url.split('?')[0] ?? '';
  for (let i = 0; i < 4 && path.includes('%'); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      break;
    }
  }
  path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\\/g, '/');
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    const segment = raw.split(';')[0] ?? '';
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  return segments[0]?.toLowerCase() === 'api';
}
