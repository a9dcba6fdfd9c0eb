import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { digest, sameDigest } from './tokens.js';

/** The dashboard's stream cookie. */
export const SESSION_COOKIE = 'csc_session';
const LIFETIME_SEC = 12 * 60 * 60;

/**
 * The cookie an `EventSource` authenticates with, since it cannot send a header and a token in
 * the URL would end up in logs and history. It proves only that its holder had the admin token
 * when it was issued, and opens only the read-only streams. Stateless (an expiry and its HMAC under
 * a key derived from the admin token), so it outlives a master restart and dies with a new token.
 */
export class SessionCookies {
  private readonly key: Buffer;

  constructor(
    adminToken: string,
    /** Served over https: the cookie is sent only there. */
    private readonly secure: boolean,
  ) {
    this.key = digest(`csc-session-v1\0${adminToken}`);
  }

  /** A `Set-Cookie` value for a new session, and when it expires. */
  issue(now = Date.now()): { header: string; expiresAt: string } {
    const expires = Math.floor(now / 1000) + LIFETIME_SEC;
    const value = `${expires}.${this.sign(expires).toString('base64url')}`;
    return { header: this.cookie(value, LIFETIME_SEC), expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** A `Set-Cookie` value that removes the session cookie. */
  clear(): string {
    return this.cookie('', 0);
  }

  /** Whether the request carries an unexpired session cookie issued by this master. */
  verify(headers: IncomingHttpHeaders, now = Date.now()): boolean {
    const value = readCookie(headers.cookie, SESSION_COOKIE);
    const match = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match?.[1] || !match[2]) return false;
    const expires = Number(match[1]);
    if (expires * 1000 <= now) return false;
    return sameDigest(Buffer.from(match[2], 'base64url'), this.sign(expires));
  }

  private sign(expires: number): Buffer {
    return createHmac('sha256', this.key).update(String(expires)).digest();
  }

  private cookie(value: string, maxAgeSec: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/api; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
