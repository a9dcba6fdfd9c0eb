import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { bearerToken, digest, sameDigest, type SessionCookies } from '../auth/index.js';
import { ApiError } from './api-error.js';

/**
 * Who may call a route: anyone (`public`: health, the dashboard's files), the admin credential
 * (`admin`, the default: a route that declares nothing is closed), or the admin credential or the
 * dashboard's session cookie (`stream`: the read-only event streams an `EventSource` opens).
 */
export type Access = 'public' | 'admin' | 'stream';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The request carries the admin credential (checked once, in the access hook). */
    admin: boolean;
  }
}

/** One registered route and who may call it, as the access hook will apply it. */
export interface RouteEntry {
  method: HTTPMethods;
  url: string;
  access: Access;
}

/**
 * Binds authentication to routes, not to spellings of paths: the check runs after Fastify has
 * routed the request, on the route's own declared access, so `/%61pi/…`, `//api/…` or an
 * absolute-form request line reach either a route (and its check) or the not-found handler,
 * which serves nothing but the dashboard's shell. Returns the table of every route registered
 * after it, for tests and anyone auditing the API.
 */
export function enforceAccess(app: FastifyInstance, adminToken: string, sessions: SessionCookies): readonly RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Read when asked, not now: a scope's own onRoute hook (`publicScope`) runs after this one.
    for (const method of methods) {
      routes.push({
        method,
        url: route.url,
        get access() {
          return route.config?.access ?? 'admin';
        },
      });
    }
  });
  const isAdmin = adminCheck(adminToken);
  app.decorateRequest('admin', false);
  app.addHook('onRequest', (req, _reply, done) => {
    req.admin = isAdmin(req);
    // The not-found handler answers every unrouted request without touching any state.
    if (req.is404 || req.admin) return done();
    const access = req.routeOptions.config.access ?? 'admin';
    if (access === 'public' || (access === 'stream' && sessions.verify(req.headers))) return done();
    done(new ApiError('unauthorized', 'missing or wrong admin token: send Authorization: Bearer <MASTER_ADMIN_TOKEN>'));
  });
  return routes;
}

/** Declares every route registered inside `scope` public (for plugins such as @fastify/static). */
export function publicScope(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: 'public' };
  });
}

/**
 * A check that a request presents the admin token. A keep-alive connection that has passed once
 * and presents the same token again is let through without hashing it again: that comparison is
 * only ever made against what the same peer itself sent and proved. Hashing was a noticeable part
 * of a job create's cost (bench:jobs).
 */
function adminCheck(expected: string): (req: FastifyRequest) => boolean {
  const expectedDigest = digest(expected);
  const proven = new WeakMap<Socket, string>();
  return (req) => {
    const token = bearerToken(req.headers);
    if (token === undefined) return false;
    const socket = req.raw.socket;
    if (proven.get(socket) === token) return true;
    const valid = sameDigest(digest(token), expectedDigest);
    if (valid) proven.set(socket, token);
    return valid;
  };
}
