import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import type { Access } from './access.js';
import { parseInput } from './parse.js';

/** What a route's handler receives: its body, query and path parameters, each parsed by its schema. */
export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

/**
 * A route of the API. Everything a request brings is parsed where it enters, strictly: a route
 * that declares no body, query or parameters takes none, and an unknown field is a 400 naming it.
 */
export interface RouteSpec<B, Q, P> {
  method: HTTPMethods;
  url: string;
  /** Default `admin`: a route is closed unless it says otherwise. */
  access?: Access;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  handler: (input: RouteInput<B, Q, P>, req: FastifyRequest, reply: FastifyReply) => unknown;
}

type Empty = Record<string, never>;

/** No body: none at all, or an empty JSON object (clients that always send one). */
const NoBody = z.union([z.undefined(), z.strictObject({})]).transform(() => undefined);
const Nothing = z.strictObject({}) as unknown as z.ZodType<Empty>;

/** Registers a route whose input is parsed by its schemas before the handler runs. */
export function route<B = undefined, Q = Empty, P = Empty>(app: FastifyInstance, spec: RouteSpec<B, Q, P>): void {
  const body = (spec.body ?? NoBody) as z.ZodType<B>;
  const query = (spec.query ?? Nothing) as z.ZodType<Q>;
  const params = (spec.params ?? Nothing) as z.ZodType<P>;
  app.route({
    method: spec.method,
    url: spec.url,
    config: { access: spec.access ?? 'admin' },
    // A stream has no headers to show apart from its body: HEAD would only hold a connection open.
    exposeHeadRoute: spec.access !== 'stream',
    handler: (req, reply) => {
      const input = {
        params: parseInput(params, req.params, 'path'),
        query: parseInput(query, req.query, 'query'),
        body: parseInput(body, req.body, 'request body'),
      };
      return spec.handler(input, req, reply);
    },
  });
}
