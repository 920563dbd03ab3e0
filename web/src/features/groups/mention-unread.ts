// Unread mentions of me per group, counted as they arrive live, and recounted from the newest
// page for a muted group that has unread messages when the list loads (after a reload, a
// catch-up). The group list's `unread` counts every message; a muted group shows and counts only
// these (a mention notifies even when muted).
import { mentions, type Group } from '@messenger/protocol';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { fetchGroupMessagesPage } from '../../api/group-messages';
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

/** The most unread messages looked through per muted group; beyond, the count is a floor. */
const RECOUNT_LIMIT = 100;

/**
 * For each muted group with unread messages: count the unread ones that mention me, from the
 * newest page. Once per (group, unread count), so a live list does not refetch in a loop.
 */
export function useMutedMentionRecount(me: string, groups: readonly Group[] | undefined) {
  const checked = useRef(new Set<string>());
  useEffect(() => {
    for (const group of groups ?? []) {
      const key = `${group.id}:${group.unread}`;
      if (!group.muted || group.unread === 0 || checked.current.has(key)) continue;
      checked.current.add(key);
      fetchGroupMessagesPage(group.id, null, undefined, Math.min(group.unread, RECOUNT_LIMIT))
        .then((page) => {
          const found = page.messages.filter((m) => m.from !== me && m.state !== 'read' && mentions(m.text, me));
          for (const m of found) counted.add(m.id);
          if (found.length === 0) return;
          mentionUnread.set((all) => ((all.get(group.id) ?? 0) >= found.length ? all : new Map(all).set(group.id, found.length)));
        })
        .catch(() => undefined);
    }
  }, [groups, me]);
}
