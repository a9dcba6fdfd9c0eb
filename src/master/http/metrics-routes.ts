import type { FastifyInstance } from 'fastify';
import type { MasterMetrics } from '../metrics/index.js';
import { route } from './route.js';

/**
 * `GET /metrics`, the Prometheus text format. Closed like the API (a scraper sends the admin
 * token as a bearer token) unless `MASTER_METRICS_PUBLIC` opens it: decided here, at
 * registration, so the route table (and the auth matrix that walks it) says which it is.
 */
export function registerMetricsRoutes(app: FastifyInstance, metrics: MasterMetrics, isPublic: boolean): void {
  route(app, {
    method: 'GET',
    url: '/metrics',
    access: isPublic ? 'public' : 'admin',
    handler: async (_input, _req, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  });
}
