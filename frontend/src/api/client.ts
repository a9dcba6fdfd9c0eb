import { readToken } from '../auth/token';
import { text } from '../i18n/active';

/** A failed API call, with the master's stable error code when it sent one. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called when the master refuses the stored token, so the app can ask for a new one. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls `/api/...` with the session's admin token; resolves with the JSON body (undefined for 204). */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? readToken() ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => undefined);
  // A login attempt passes its own token and handles the refusal itself.
  if (!response.ok) throw refusal(response.status, body, init.token === undefined);
  return body as T;
}

/** Fetches `/api/...` as a file (a download): the API wants the Bearer header, which a plain link cannot send. */
export async function apiBlob(path: string): Promise<Blob> {
  const response = await request(path, { headers: { authorization: `Bearer ${readToken() ?? ''}` } });
  if (!response.ok) throw refusal(response.status, await response.json().catch(() => undefined), true);
  return response.blob();
}

async function request(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`/api${path}`, init);
  } catch {
    throw new ApiRequestError(0, 'unreachable', 'The master cannot be reached. Is it running?');
  }
}

/** The error for a refused request; a refused stored token asks the app for a new one. */
function refusal(status: number, body: unknown, storedToken: boolean): ApiRequestError {
  const error = errorOf(body);
  if (status === 401 && storedToken) onUnauthorized();
  return new ApiRequestError(status, error?.code ?? 'http_error', error?.message ?? `HTTP ${status}`);
}

function errorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : undefined;
}

/**
 * A same-origin URL for an `EventSource`. It carries no token: the browser sends the session cookie
 * (`POST /api/session`) by itself, and a URL ends up in logs and the history.
 */
export function streamUrl(path: string, params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)])).toString();
  return `/api${path}${query === '' ? '' : `?${query}`}`;
}

/** The message to show a person for any failure. */
export function describeError(error: unknown): string {
  // Said in the language shown now, not the one of the moment it failed.
  if (error instanceof ApiRequestError) return error.code === 'unreachable' ? text().app.unreachable : error.message;
  return error instanceof Error ? error.message : String(error);
}
