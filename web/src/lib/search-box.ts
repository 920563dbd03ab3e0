// Whether the search box (Ctrl+K) is open, and over which conversation if it was opened inside
// one. One box for the whole app: the sidebar button, the conversation header and the shortcut
// all open the same one.
import { useSyncExternalStore } from 'react';
import type { ConversationRef } from './conversation-ref';
import { createStore } from './store';

/** Where a scoped search looks, with the name its chip shows. */
export type SearchScope = ConversationRef & { name: string };

export interface SearchBoxState {
  scope: SearchScope | null;
  /** Counts openings: opening it again (say, scoped now) starts a fresh box. */
  opening: number;
}

const box = createStore<SearchBoxState | null>(null);
let openings = 0;

export function openSearchBox(scope: SearchScope | null = null) {
  openings += 1;
  box.set({ scope, opening: openings });
}

export function closeSearchBox() {
  box.set(null);
}

export function useSearchBox(): SearchBoxState | null {
  return useSyncExternalStore(box.subscribe, box.get);
}
