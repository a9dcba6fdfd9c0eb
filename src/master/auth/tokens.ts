import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** SHA-256 of a secret: what is compared and stored, never the secret itself. */
export function digest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** Whether two digests are equal, in constant time (digests are always the same length). */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/**
 * The token a WebSocket upgrade presents: the bearer header, or `?token=` for the seed's simple
 * clients, which cannot set headers. The HTTP API takes the header only: URLs end up in logs.
 */
export function upgradeToken(req: { headers: IncomingHttpHeaders; url?: string | undefined }): string | undefined {
  if (req.headers.authorization !== undefined) return bearerToken(req.headers);
  const query = (req.url ?? '').split('?')[1];
  if (query === undefined) return undefined;
  return new URLSearchParams(query).get('token') ?? undefined;
}
