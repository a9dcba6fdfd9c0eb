import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import type { NodeDirectory } from './node-view.js';
import { route } from './route.js';

/**
 * `GET /api/nodes`: every node connected now, to this master and (on a shared store) to the others,
 * each with the jobs out on it and its master; `GET /api/nodes/known`: every node ever seen here.
 */
export function registerNodeRoutes(app: FastifyInstance, nodes: Pick<NodeDirectory, 'list'>, store: Pick<Store, 'listKnownNodes'>): void {
  route(app, { method: 'GET', url: '/api/nodes', handler: async () => ({ nodes: await nodes.list() }) });
  route(app, { method: 'GET', url: '/api/nodes/known', handler: async () => ({ nodes: await store.listKnownNodes() }) });
}
