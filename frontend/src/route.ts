import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { createElement } from 'react';

/** The dashboard's pages. The master answers every non-API path with the app, so these deep-link. */
export type Route =
  | { view: 'overview' }
  | { view: 'jobs'; jobId?: number }
  | { view: 'profiles' }
  | { view: 'usage' }
  | { view: 'settings' }
  | { view: 'remote-nodes' }
  | { view: 'credentials' }
  | { view: 'not-found' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { view: 'overview' };
  if (path === '/jobs') return { view: 'jobs' };
  if (path === '/profiles') return { view: 'profiles' };
  if (path === '/usage') return { view: 'usage' };
  if (path === '/settings') return { view: 'settings' };
  if (path === '/remote-nodes') return { view: 'remote-nodes' };
  if (path === '/credentials') return { view: 'credentials' };
  const job = /^\/jobs\/(\d+)$/.exec(path);
  if (job?.[1] !== undefined) return { view: 'jobs', jobId: Number(job[1]) };
  return { view: 'not-found' };
}

const NAVIGATED = 'csc:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const pathname = (): string => window.location.pathname;

/** The current route; re-renders on back/forward and on `navigate`. */
export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, pathname));
}

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** An ordinary link (middle-click and copy work) that navigates in place on a plain click. */
export function Link({ to, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return createElement('a', { ...props, href: to, onClick });
}
