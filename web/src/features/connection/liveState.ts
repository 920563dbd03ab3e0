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

/** Who is typing in each group: group id → (member → until when). */
export const groupTyping = createStore<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());

export function setGroupTyping(group: string, from: string, isTyping: boolean, now = Date.now()) {
  const update = (drop: (until: number) => boolean, add: number | null) =>
    groupTyping.set((all) => {
      const members = all.get(group);
      if (add === null && (!members || !members.has(from) || !drop(members.get(from) ?? 0))) return all;
      const nextMembers = new Map(members);
      if (add === null) nextMembers.delete(from);
      else nextMembers.set(from, add);
      const next = new Map(all);
      if (nextMembers.size === 0) next.delete(group);
      else next.set(group, nextMembers);
      return next;
    });
  if (!isTyping) return update(() => true, null);
  update(() => false, now + TYPING_TTL_MS);
  // As for 1:1: an indicator whose "stop" never came (a closed tab) expires on its own.
  setTimeout(() => update((until) => until <= Date.now(), null), TYPING_TTL_MS + 50);
}

const NO_TYPERS: readonly string[] = [];
let typersFrom: ReadonlyMap<string, ReadonlyMap<string, number>> | null = null;
const typersCache = new Map<string, readonly string[]>();

function selectTypers(group: string): readonly string[] {
  const all = groupTyping.get();
  if (all !== typersFrom) {
    typersFrom = all;
    typersCache.clear();
  }
  let names = typersCache.get(group);
  if (!names) {
    const now = Date.now();
    const live = [...(all.get(group) ?? new Map<string, number>())].filter(([, until]) => until > now).map(([name]) => name);
    names = live.length === 0 ? NO_TYPERS : live.sort();
    typersCache.set(group, names);
  }
  return names;
}

/** The members typing in `group`, by name (a stable array while nothing changes). */
export function useGroupTypers(group: string): readonly string[] {
  return useSyncExternalStore(groupTyping.subscribe, () => selectTypers(group));
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
  groupTyping.set(new Map());
  presence.set(new Map());
});
