import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

type Request = Pick<IncomingMessage, 'headers' | 'url'>;

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
 */
export function tokenCheck(expected: string): (req: Request) => boolean {
  const expectedDigest = digest(expected);
  return (req) => {
    const token = presentedToken(req);
    return token !== undefined && timingSafeEqual(digest(token), expectedDigest);
  };
}
