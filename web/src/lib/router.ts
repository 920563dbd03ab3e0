// A small history-API router: the app has six routes and needs no library for them.
import { useSyncExternalStore, type MouseEvent } from 'react';

export type Route =
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'home' }
  | { name: 'conversation'; peer: string }
  | { name: 'group'; id: string }
  | { name: 'settings' };

const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function parseRoute(pathname: string): Route {
  if (pathname === '/signin') return { name: 'signin' };
  if (pathname === '/signup') return { name: 'signup' };
  if (pathname === '/settings' || pathname === '/settings/') return { name: 'settings' };
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) {
    try {
      return { name: 'conversation', peer: decodeURIComponent(match[1]).toLowerCase() };
    } catch {
      return { name: 'home' };
    }
  }
  // Group ids are server-made lowercase UUIDs; anything else is not a group page.
  const group = /^\/g\/([0-9a-f-]{36})\/?$/.exec(pathname);
  if (group?.[1]) return { name: 'group', id: group[1] };
  return { name: 'home' };
}

export function navigate(path: string, options: { replace?: boolean } = {}) {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

/**
 * onClick for an <a href={path}> inside the app: a plain left click navigates here; with a modifier
 * key or another button the browser keeps its own behaviour (new tab, new window).
 */
export function followInApp(path: string) {
  return (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(path);
  };
}

export const conversationPath = (peer: string) => `/c/${encodeURIComponent(peer)}`;
export const groupPath = (id: string) => `/g/${encodeURIComponent(id)}`;
export const settingsPath = '/settings';

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function useRoute(): Route {
  return parseRoute(usePathname());
}

// Where a signed-out visitor was going (e.g. /c/bob, /g/<id> or /settings from a bookmark), to continue
// after sign-in.
let returnTo: string | null = null;

export function rememberReturnTo(path: string) {
  const name = parseRoute(path).name;
  returnTo = name === 'conversation' || name === 'group' || name === 'settings' ? path : null;
}

export function takeReturnTo(): string {
  const path = returnTo ?? '/';
  returnTo = null;
  return path;
}
