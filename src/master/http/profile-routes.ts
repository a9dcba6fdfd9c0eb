import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NamedProfileSchema, ProfileNameSchema, isSafeRef, parseRepoSpec } from '../../protocol/index.js';
import type { ProfileService } from '../profiles/index.js';
import { route } from './route.js';

const NameParams = z.strictObject({ name: ProfileNameSchema });

/** A profile's fields as `PUT` takes them: its name is the path's, its source the master's. */
function profileBody(allowLocal: boolean) {
  const fields = NamedProfileSchema.omit({ name: true, source: true }).shape;
  return z.strictObject({
    ...fields,
    repo: fields.repo.superRefine((repo, ctx) => {
      const parsed = repo === undefined ? undefined : parseRepoSpec(repo, { allowLocal });
      if (parsed && 'error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
    ref: fields.ref.refine((ref) => ref === undefined || isSafeRef(ref), 'ref must be a branch, tag or commit name'),
  });
}

/**
 * `GET /api/profiles` (every profile, and the pipeline's agents in order), `PUT /api/profiles/:name`
 * (create: 201, replace: 200) and `DELETE /api/profiles/:name` (204). The profiles file's are
 * read-only here: changing one is a 409.
 */
export function registerProfileRoutes(app: FastifyInstance, profiles: ProfileService, allowLocalRepos: boolean): void {
  route(app, { method: 'GET', url: '/api/profiles', handler: async () => ({ profiles: await profiles.list(), agents: profiles.agents }) });

  route(app, {
    method: 'PUT',
    url: '/api/profiles/:name',
    params: NameParams,
    body: profileBody(allowLocalRepos),
    handler: async ({ params, body }, _req, reply) => {
      const { profile, created } = await profiles.put({ ...body, name: params.name });
      return reply.status(created ? 201 : 200).send(profile);
    },
  });

  route(app, {
    method: 'DELETE',
    url: '/api/profiles/:name',
    params: NameParams,
    handler: async ({ params }, _req, reply) => {
      await profiles.delete(params.name);
      return reply.status(204).send();
    },
  });
}
