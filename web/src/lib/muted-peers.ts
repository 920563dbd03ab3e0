// Which 1:1 conversations (a bot's, typically) the user muted: no notification, no highlighted
// unread badge, not counted in the tab title. The setting is the server's (Conversation.muted), so
// every browser, device and the desktop agent share it: read here from the cached conversation
// list, changed through PUT /api/conversations/:peer/mute, and kept current on every tab by
// `conversation:update` (features/conversations/useConversationMutes.ts).
//
// Older versions kept the list in this browser's localStorage, per user; moveLocalMutes() moves it
// to the server once and then removes the key.
import { MAX_MUTED_CONVERSATIONS, type Conversation } from '@messenger/protocol';
import type { QueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useConversations } from '../api/conversations';
import { ApiError } from '../api/http';
import { queryKeys } from '../api/keys';
import { muteConversation } from '../api/muteConversation';

const LEGACY_KEY_PREFIX = 'messenger.muted-peers.';

/**
 * The list with `peer`'s setting changed. A peer not listed yet is added when muted, after the
 * rest, as GET /api/conversations lists one muted before any message (no `lastMessage` to sort by).
 */
export function applyMute(list: Conversation[] | undefined, peer: string, muted: boolean): Conversation[] | undefined {
  if (!list) return list;
  const listed = list.find((c) => c.peer === peer);
  if (!listed) return muted ? [...list, { peer, online: false, unread: 0, pinned: false, archived: false, markedUnread: false, muted: true, lastMessage: null }] : list;
  if (listed.muted === muted) return list;
  return list.map((c) => (c === listed ? { ...c, muted } : c));
}

/** The muted peers, from the list the layout fetches (this observer never fetches by itself). */
export function useMutedPeers(): ReadonlySet<string> {
  const list = useConversations(false).data;
  return useMemo(() => new Set((list ?? []).filter((c) => c.muted).map((c) => c.peer)), [list]);
}

/** Shown at once; put back, and thrown, if the server refuses. */
export async function setPeerMuted(client: QueryClient, peer: string, muted: boolean): Promise<void> {
  const listed = client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === peer);
  client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyMute(list, peer, muted));
  try {
    const answer = await muteConversation(peer, muted);
    client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyMute(list, answer.peer, answer.muted));
  } catch (error) {
    // An entry added only to show the mute goes again, unless a message made it a conversation meanwhile.
    client.setQueryData<Conversation[]>(queryKeys.conversations, (list) =>
      listed ? applyMute(list, peer, listed.muted) : list?.filter((c) => c.peer !== peer || c.lastMessage !== null),
    );
    throw error;
  }
}

function readLegacy(me: string): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(LEGACY_KEY_PREFIX + me) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return [...new Set(parsed.filter((p): p is string => typeof p === 'string'))].slice(0, MAX_MUTED_CONVERSATIONS);
  } catch {
    // private mode or a broken value: nothing to move
    return [];
  }
}

/** One move per user at a time (React runs a mount effect twice in development). */
const moving = new Map<string, Promise<void>>();

/**
 * Moves what this browser kept for `me` to the server, one at a time (a short list, once). A peer
 * the server cannot mute (no such user any more, or `me`) is dropped; one that failed for a reason
 * that passes (offline, server trouble) stays for the next load. The key goes once nothing is left.
 */
export function moveLocalMutes(me: string, client: QueryClient): Promise<void> {
  const running = moving.get(me);
  if (running) return running;
  const run = (async () => {
    const legacy = readLegacy(me);
    const kept: string[] = [];
    for (const peer of legacy) {
      try {
        await setPeerMuted(client, peer, true);
      } catch (error) {
        const permanent = error instanceof ApiError && (error.status === 404 || error.status === 400);
        if (!permanent) kept.push(peer);
      }
    }
    try {
      if (kept.length === 0) localStorage.removeItem(LEGACY_KEY_PREFIX + me);
      else localStorage.setItem(LEGACY_KEY_PREFIX + me, JSON.stringify(kept));
    } catch {
      // private mode: nothing was stored to begin with
    }
  })().finally(() => moving.delete(me));
  moving.set(me, run);
  return run;
}
