import { ApiRequestError, api, describeError } from '../api/client';
import { text } from '../i18n/active';

/** How a sign-in attempt ended; `refused`: the master said no to the token (401), not just failed to answer. */
export type SessionCheck = { ok: true } | { ok: false; refused: boolean; message: string };

/**
 * Opens a dashboard session with an admin token: `POST /api/session` checks the token and sets the
 * HttpOnly cookie the event streams authenticate with (an `EventSource` cannot send a header, and
 * the token must not ride in its URL).
 */
export async function openSession(token: string): Promise<SessionCheck> {
  try {
    await api('/session', { method: 'POST', token });
    return { ok: true };
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 401) return { ok: false, refused: true, message: text().app.refused };
    return { ok: false, refused: false, message: describeError(error) };
  }
}

let renewing: Promise<void> | undefined;

/**
 * Renews the stream cookie with the stored token: it expires, and a restarted master may no longer
 * accept it. A refused token signs out (the API client's unauthorized handler); any other failure
 * is left to the caller's retry. Streams refused at the same time share one request.
 */
export function renewSession(): Promise<void> {
  renewing ??= api('/session', { method: 'POST' })
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      renewing = undefined;
    });
  return renewing;
}

/** Ends the session on the master (the cookie is cleared); a failure changes nothing for the person signing out. */
export async function closeSession(token: string): Promise<void> {
  // The token is passed, not read: it is already forgotten, and a 401 here must not sign out twice.
  await api('/session', { method: 'DELETE', token }).catch(() => undefined);
}
