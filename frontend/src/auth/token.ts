/**
 * The admin token lives in sessionStorage: it survives reloads of this tab but not closing it,
 * and other sites cannot read it.
 */
const KEY = 'csc.adminToken';

export function readToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * Takes `?token=` from the address (the master's login link) and removes it at once, so the token
 * never stays in the address bar, the history or a shared screenshot.
 */
export function takeTokenFromUrl(): string | undefined {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return undefined;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token.trim() || undefined;
}
