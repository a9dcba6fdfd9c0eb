import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CredentialService, SessionCookies } from '../auth/index.js';
import { route } from './route.js';

/** The same rule as node names: a name that is also safe as a path segment and in a log line. */
const CredentialName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
const CreateBody = z.strictObject({
  role: z.enum(['node', 'bridge'], { message: 'must be node or bridge' }),
  name: CredentialName,
});
const NameParams = z.strictObject({ name: CredentialName });

/**
 * `/api/session` (the dashboard's stream cookie; signing in checks the token with it) and
 * `/api/tokens` (per-machine credentials: listed without their tokens, shown once when made).
 */
export function registerCredentialRoutes(app: FastifyInstance, credentials: CredentialService, sessions: SessionCookies): void {
  route(app, {
    method: 'POST',
    url: '/api/session',
    handler: (_input, _req, reply) => {
      const { header, expiresAt } = sessions.issue();
      return reply.header('set-cookie', header).header('cache-control', 'no-store').send({ expiresAt });
    },
  });

  route(app, {
    method: 'DELETE',
    url: '/api/session',
    handler: (_input, _req, reply) => reply.header('set-cookie', sessions.clear()).status(204).send(),
  });

  route(app, { method: 'GET', url: '/api/tokens', handler: async () => ({ tokens: await credentials.list() }) });

  route(app, {
    method: 'POST',
    url: '/api/tokens',
    body: CreateBody,
    handler: async ({ body }, _req, reply) => reply.status(201).header('cache-control', 'no-store').send(await credentials.create(body.role, body.name)),
  });

  route(app, {
    method: 'DELETE',
    url: '/api/tokens/:name',
    params: NameParams,
    handler: async ({ params }, _req, reply) => {
      await credentials.revoke(params.name);
      return reply.status(204).send();
    },
  });
}
