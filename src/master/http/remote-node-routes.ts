import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RemoteNodeService } from '../remote-nodes/index.js';
import { IdParams } from './parse.js';
import { route } from './route.js';

/** A host name, or an IP address (IPv6 in brackets when a port follows), with an optional port. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const host = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(261, 'must be at most 261 characters')
  .refine((h) => isIP(h) !== 0 || HOST_NAME.test(h), 'must be a host name or IP address, optionally with :port (no scheme or path)');
const tags = z
  .array(z.string().trim().min(1, 'a tag must not be empty').max(64, 'a tag must be at most 64 characters').regex(/^[^\s,]+$/, 'a tag has no spaces or commas'))
  .max(32, 'at most 32 tags')
  .transform((list) => [...new Set(list)]);
const status = z.enum(['online', 'offline', 'maintenance'], { message: 'must be online, offline or maintenance' });

const CreateBody = z.strictObject({ name, host, tags: tags.optional(), status: status.optional() });
const PatchBody = z
  .strictObject({ name: name.optional(), host: host.optional(), tags: tags.optional(), status: status.optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one of name, host, tags, status');
/** `/api/remote-nodes`: the dashboard's remote node records. */
export function registerRemoteNodeRoutes(app: FastifyInstance, remoteNodes: RemoteNodeService): void {
  route(app, { method: 'GET', url: '/api/remote-nodes', handler: () => remoteNodes.list() });

  route(app, {
    method: 'POST',
    url: '/api/remote-nodes',
    body: CreateBody,
    handler: async ({ body }, _req, reply) => reply.status(201).send(await remoteNodes.add(body)),
  });

  route(app, {
    method: 'PATCH',
    url: '/api/remote-nodes/:id',
    params: IdParams,
    body: PatchBody,
    handler: ({ params, body }) => remoteNodes.update(params.id, body),
  });

  route(app, {
    method: 'DELETE',
    url: '/api/remote-nodes/:id',
    params: IdParams,
    handler: async ({ params }, _req, reply) => {
      await remoteNodes.remove(params.id);
      return reply.status(204).send();
    },
  });
}
