// Unsent drafts per conversation (a username, or `#<groupId>`): kept across conversations, reloads
// and tabs of this browser for the signed-in user (lib/user-storage.ts), and shown as "Draft:" in
// the conversation list.
import { MAX_TEXT_LENGTH } from '@messenger/protocol';
import { useSyncExternalStore } from 'react';
import { displayText } from '../../lib/bidi';
import { createStore } from '../../lib/store';
import { persistPerUser } from '../../lib/user-storage';

/** Beyond this many, the oldest drafts go: storage is small and shared with other sites' origins. */
const MAX_DRAFTS = 200;
const EMPTY: ReadonlyMap<string, string> = new Map();

export const drafts = createStore<ReadonlyMap<string, string>>(EMPTY);

persistPerUser('drafts', drafts, {
  empty: EMPTY,
  isEmpty: (value) => value.size === 0,
  toJson: (value) => [...value],
  fromJson(raw) {
    if (!Array.isArray(raw)) return EMPTY;
    const valid = raw.filter(
      (pair): pair is [string, string] =>
        Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].length <= 80 && typeof pair[1] === 'string' && pair[1].length > 0 && pair[1].length <= MAX_TEXT_LENGTH,
    );
    return valid.length === 0 ? EMPTY : new Map(valid.slice(-MAX_DRAFTS));
  },
});

export function setDraft(conversation: string, text: string): void {
  drafts.set((all) => {
    if ((all.get(conversation) ?? '') === text) return all;
    const next = new Map(all);
    // Re-inserted, so the most recently edited draft is the last one kept.
    next.delete(conversation);
    if (text) next.set(conversation, text);
    while (next.size > MAX_DRAFTS) next.delete(next.keys().next().value as string);
    return next;
  });
}

export function getDraft(conversation: string): string {
  return drafts.get().get(conversation) ?? '';
}

export function useDraft(conversation: string): string {
  return useSyncExternalStore(drafts.subscribe, () => drafts.get().get(conversation) ?? '');
}

/** A conversation list's preview of my unsent draft, in place of the last message. */
export function DraftPreview({ draft }: { draft: string }) {
  return (
    <>
      <span className="draft-label">Draft:</span> <bdi>{displayText(draft)}</bdi>
    </>
  );
}
