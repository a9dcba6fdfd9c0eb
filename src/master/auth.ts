import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Compares secrets in constant time (hashing first makes the lengths equal). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, or `?token=` in the URL for
 * simple clients that cannot set headers (the seed's node, browsers' WebSocket and EventSource).
 */
export function presentedToken(req: Pick<IncomingMessage, 'headers' | 'url'>): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const query = (req.url ?? '').split('?')[1];
  if (query === undefined) return undefined;
  return new URLSearchParams(query).get('token') ?? undefined;
}

/** Whether the request presents the expected token. */
export function isAuthorized(req: Pick<IncomingMessage, 'headers' | 'url'>, expected: string): boolean {
  const token = presentedToken(req);
  return token !== undefined && secretsEqual(token, expected);
}
