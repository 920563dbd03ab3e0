// Messages on their way: shown at once as "sending", as "failed" with Retry when /send fails.
// Each keeps its Idempotency-Key, so a retry can never send the text twice. Once the server
// accepts one (202) it moves into the cached history under its real id and leaves the outbox.
import { useSyncExternalStore } from 'react';
import { createStore } from '../../lib/store';

export interface OutboxEntry {
  key: string;
  to: string;
  text: string;
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
}

export const outbox = createStore<readonly OutboxEntry[]>([]);

export function addToOutbox(entry: OutboxEntry) {
  outbox.set((all) => [...all, entry]);
}

export function updateOutbox(key: string, patch: Partial<OutboxEntry>) {
  outbox.set((all) => all.map((e) => (e.key === key ? { ...e, ...patch } : e)));
}

export function removeFromOutbox(key: string) {
  outbox.set((all) => all.filter((e) => e.key !== key));
}

const EMPTY: readonly OutboxEntry[] = [];
let lastAll: readonly OutboxEntry[] | null = null;
const perPeer = new Map<string, readonly OutboxEntry[]>();

function selectPeer(peer: string): readonly OutboxEntry[] {
  const all = outbox.get();
  if (all !== lastAll) {
    lastAll = all;
    perPeer.clear();
  }
  let entries = perPeer.get(peer);
  if (!entries) {
    const filtered = all.filter((e) => e.to === peer);
    entries = filtered.length === 0 ? EMPTY : filtered;
    perPeer.set(peer, entries);
  }
  return entries;
}

export function useOutbox(peer: string): readonly OutboxEntry[] {
  return useSyncExternalStore(outbox.subscribe, () => selectPeer(peer));
}
