import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../log/index.js';
import { tokenCheck } from '../auth.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import { CodedError } from '../coded-error.js';
import { ApiError, HTTP_STATUS, codeForStatus, errorBody } from './api-error.js';
import { PLACEHOLDER_HTML } from './placeholder.js';
import { registerRoutes } from './routes.js';

export interface HttpAppOptions {
  adminToken: string;
  /** `frontend/dist`; a placeholder page is served while it has no `index.html`. */
  dashboardDir: string;
  bodyLimitBytes: number;
  version: string;
  startedAt: Date;
  allowLocalRepos: boolean;
}

export interface HttpAppDeps {
  hub: Hub;
  jobs: JobService;
  store: Store;
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  log: Logger;
}

/** The HTTP API and dashboard. Every `/api` route requires the admin token. */
export async function createHttpApp(options: HttpAppOptions, deps: HttpAppDeps): Promise<FastifyInstance> {
  // Request logging is off: URLs may carry `?token=`, and logs must never hold a secret.
  // Widened on purpose: Fastify's generics otherwise leak pino's Logger type into every route.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    // The master's own logger, not a child per request: nothing logs per request, and a pino child
    // (with its redaction) cost more than the rest of the routing of a job create.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimitBytes,
  });

  const isAdmin = tokenCheck(options.adminToken);
  app.addHook('onRequest', (req: FastifyRequest, _reply, done) => {
    if (req.url.startsWith('/api') && !isAdmin(req.raw)) {
      done(new ApiError('unauthorized', 'missing or wrong admin token: send Authorization: Bearer <MASTER_ADMIN_TOKEN>'));
      return;
    }
    done();
  });
  // Nothing is announced before it is stored: the store commits before any response leaves.
  app.addHook('onSend', (_req, _reply, payload, done) => {
    try {
      deps.store.commit();
      done(null, payload);
    } catch (error) {
      done(error as Error);
    }
  });
  app.setErrorHandler((error: FastifyError | CodedError, _req, reply) => sendError(error, reply, deps.log));
  acceptEmptyJsonBodies(app);

  registerRoutes(app, { ...deps, version: options.version, startedAt: options.startedAt, allowLocalRepos: options.allowLocalRepos });
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
  const built = existsSync(join(dashboardDir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: dashboardDir, wildcard: false });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api') || req.method !== 'GET') {
      return reply.status(404).send(errorBody('not_found', `no route for ${req.method} ${req.url.split('?')[0] ?? ''}`));
    }
    // The dashboard routes on the client, so deep links like /jobs/42 get the app shell.
    if (built) return reply.sendFile('index.html');
    return reply.type('text/html; charset=utf-8').send(PLACEHOLDER_HTML);
  });
}
