// Client-only live state: connection status, who is typing, who is online.
import { useSyncExternalStore } from 'react';
import { registerSessionStore } from '../../lib/session-stores';
import { createStore } from '../../lib/store';

export type ConnectionStatus = 'connecting' | 'syncing' | 'live' | 'reconnecting';

export interface ConnectionState {
  status: ConnectionStatus;
  /** True once a reconnect's catch-up finished; the banner says "caught up" for a moment. */
  caughtUpAt: number | null;
  everConnected: boolean;
}

export const connection = createStore<ConnectionState>({ status: 'connecting', caughtUpAt: null, everConnected: false });

export function useConnection(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}

/** Typing indicators expire on their own after this long without an update. */
export const TYPING_TTL_MS = 5000;
export const typing = createStore<ReadonlyMap<string, number>>(new Map());

export function setTyping(from: string, isTyping: boolean, now = Date.now()) {
  typing.set((all) => {
    const next = new Map(all);
    if (isTyping) next.set(from, now + TYPING_TTL_MS);
    else if (!next.delete(from)) return all;
    return next;
  });
  if (isTyping) {
    setTimeout(() => {
      typing.set((all) => {
        const until = all.get(from);
        if (until === undefined || until > Date.now()) return all;
        const next = new Map(all);
        next.delete(from);
        return next;
      });
    }, TYPING_TTL_MS + 50);
  }
}

export function useIsTyping(peer: string): boolean {
  return useSyncExternalStore(typing.subscribe, () => (typing.get().get(peer) ?? 0) > Date.now());
}

export const presence = createStore<ReadonlyMap<string, boolean>>(new Map());

export function setPresence(entries: Iterable<[string, boolean]>) {
  presence.set((all) => {
    let next: Map<string, boolean> | null = null;
    for (const [user, online] of entries) {
      if (all.get(user) === online) continue;
      next ??= new Map(all);
      next.set(user, online);
    }
    return next ?? all;
  });
}

/** Live presence when known, else what the server said in the conversation list. */
export function usePresence(username: string, fallback = false): boolean {
  return useSyncExternalStore(presence.subscribe, () => presence.get().get(username) ?? fallback);
}

registerSessionStore(() => {
  typing.set(new Map());
  presence.set(new Map());
});
