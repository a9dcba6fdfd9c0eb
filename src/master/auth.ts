import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

type Request = Pick<IncomingMessage, 'headers' | 'url' | 'socket'>;

function digest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, or `?token=` in the URL for
 * simple clients that cannot set headers (the seed's node, browsers' WebSocket and EventSource).
 */
export function presentedToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const query = (req.url ?? '').split('?')[1];
  if (query === undefined) return undefined;
  return new URLSearchParams(query).get('token') ?? undefined;
}

/**
 * A check that a request presents `expected`. Digests are compared in constant time (hashing
 * first makes the lengths equal); the expected digest is computed once, not per connection.
 *
 * A keep-alive connection that has passed the check once and presents the same token again is
 * let through without hashing it again: that comparison is only ever made against what the same
 * peer itself sent and proved, so it tells nothing to a peer that has not. Hashing was a
 * noticeable part of a job create's cost (bench:jobs).
 */
export function tokenCheck(expected: string): (req: Request) => boolean {
  const expectedDigest = digest(expected);
  const proven = new WeakMap<Socket, string>();
  return (req) => {
    const token = presentedToken(req);
    if (token === undefined) return false;
    if (proven.get(req.socket) === token) return true;
    const valid = timingSafeEqual(digest(token), expectedDigest);
    if (valid) proven.set(req.socket, token);
    return valid;
  };
}
