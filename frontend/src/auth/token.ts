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
 * Takes the token from the master's login link (`#token=…`; `?token=…` of older links) and removes
 * it from the address at once, so it never stays in the address bar, the history or a shared
 * screenshot. The path and any other parameters stay. A fragment never reaches the server, so the
 * link's token is not in any access log either.
 */
export function takeTokenFromUrl(): string | undefined {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const token = fragment.get('token') ?? url.searchParams.get('token');
  if (token === null) return undefined;
  // Rewritten only when it held the token: a plain `#section` fragment stays exactly as it was.
  if (fragment.has('token')) {
    fragment.delete('token');
    url.hash = fragment.toString();
  }
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token.trim() || undefined;
}
