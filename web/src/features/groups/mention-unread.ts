// Unread mentions of me per group, counted as they arrive live. The group list's `unread` counts
// every message; a muted group shows and counts only these (a mention notifies even when muted).
import { useSyncExternalStore } from 'react';
import { registerSessionStore } from '../../lib/session-stores';
import { createStore } from '../../lib/store';

export const mentionUnread = createStore<ReadonlyMap<string, number>>(new Map());
registerSessionStore(() => mentionUnread.set(new Map()));

const counted = new Set<string>();
registerSessionStore(() => counted.clear());

/** A message mentioning me arrived unread in `group`: count it once, whatever the re-deliveries. */
export function countMention(group: string, messageId: string) {
  if (counted.has(messageId)) return;
  counted.add(messageId);
  if (counted.size > 5000) counted.clear();
  mentionUnread.set((all) => new Map(all).set(group, (all.get(group) ?? 0) + 1));
}

export function clearMentions(group: string) {
  mentionUnread.set((all) => {
    if (!all.has(group)) return all;
    const next = new Map(all);
    next.delete(group);
    return next;
  });
}

export function useMentionUnread(): ReadonlyMap<string, number> {
  return useSyncExternalStore(mentionUnread.subscribe, mentionUnread.get);
}
