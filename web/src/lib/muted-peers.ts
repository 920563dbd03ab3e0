// Which 1:1 conversations (a bot's, typically) the user muted: no notification, no highlighted
// unread badge, not counted in the tab title. Kept in this browser's localStorage, per user: the
// server has no 1:1 mute yet (groups' mute is on the server), so another browser or the desktop
// agent does not know about it. Keyed by username, so whoever signs in next on this browser
// neither sees nor inherits the list.
import { useCallback, useSyncExternalStore } from 'react';
import { registerSessionStore } from './session-stores';

const KEY_PREFIX = 'messenger.muted-peers.';
/** Bounds what a tampered or runaway list can cost on every read. */
const MAX_MUTED = 1000;
const EMPTY: ReadonlySet<string> = new Set();

/** One set per user, read from storage once and replaced (never changed in place) on writes. */
const cache = new Map<string, ReadonlySet<string>>();
const listeners = new Set<() => void>();

function read(me: string): ReadonlySet<string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY_PREFIX + me) ?? '[]');
    if (!Array.isArray(parsed)) return EMPTY;
    return new Set(parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_MUTED));
  } catch {
    // private mode or a broken value: nothing muted
    return EMPTY;
  }
}

export function mutedPeers(me: string): ReadonlySet<string> {
  let peers = cache.get(me);
  if (!peers) cache.set(me, (peers = read(me)));
  return peers;
}

export function isPeerMuted(me: string, peer: string): boolean {
  return mutedPeers(me).has(peer);
}

export function setPeerMuted(me: string, peer: string, muted: boolean): void {
  const current = mutedPeers(me);
  if (current.has(peer) === muted) return;
  const next = new Set(current);
  if (muted) next.add(peer);
  else next.delete(peer);
  cache.set(me, next);
  try {
    localStorage.setItem(KEY_PREFIX + me, JSON.stringify([...next].slice(0, MAX_MUTED)));
  } catch {
    // private mode: muted for this page only
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of the same browser muted or unmuted someone.
  const onStorage = (event: StorageEvent) => {
    if (event.key === null || !event.key.startsWith(KEY_PREFIX)) return;
    cache.delete(event.key.slice(KEY_PREFIX.length));
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useMutedPeers(me: string): ReadonlySet<string> {
  const snapshot = useCallback(() => mutedPeers(me), [me]);
  return useSyncExternalStore(subscribe, snapshot);
}

// Signing out forgets the in-memory copy; the stored list stays for the same user's next visit.
registerSessionStore(() => cache.clear());
