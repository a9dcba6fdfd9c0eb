import type { FastifyInstance } from 'fastify';
import { DashboardFeed, type FeedSources } from './dashboard-feed.js';
import { route } from './route.js';

/** `GET /api/events`: the dashboard's live feed (see `DashboardFeed`). */
export function registerEventRoutes(app: FastifyInstance, sources: FeedSources): void {
  const feed = new DashboardFeed(sources);
  route(app, {
    method: 'GET',
    url: '/api/events',
    access: 'stream',
    handler: (_input, _req, reply) => {
      reply.hijack();
      feed.attach(reply.raw);
    },
  });
  // The streams never end by themselves, and the server waits for open connections when it closes.
  app.addHook('preClose', (done) => {
    feed.close();
    done();
  });
}
