// Where the "New messages" divider goes: the first message that was unread when the conversation
// opened. Frozen then, per conversation: reading marks those messages read at once, but the divider
// stays where the reader's new messages began until they leave the conversation.
import type { ChatMessage } from '@messenger/protocol';
import { useEffect, useRef } from 'react';

/** The oldest message to me from someone else that I have not read. */
export function firstUnread(messages: readonly ChatMessage[], me: string): ChatMessage | undefined {
  return messages.find((m) => m.from !== me && m.state !== 'read');
}

/**
 * For a list that counts unread instead of marking each message (a group's): the oldest of the
 * last `unread` messages from others.
 */
export function firstOfLastUnread(messages: readonly ChatMessage[], me: string, unread: number): ChatMessage | undefined {
  if (unread <= 0) return undefined;
  let seen = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.from !== me && ++seen === unread) return m;
  }
  // More unread than loaded: the divider opens the oldest loaded message from others.
  return messages.find((m) => m.from !== me);
}

/**
 * Whether the first unread message may be older than what is loaded: a 1:1 conversation's read
 * mark covers everything before it, so an unread oldest loaded message from the peer may have
 * unread ones before it.
 */
export function unreadMayBeOlder(messages: readonly ChatMessage[], me: string): boolean {
  const oldestFromPeer = messages.find((m) => m.from !== me);
  return oldestFromPeer !== undefined && oldestFromPeer.state !== 'read';
}

/** For a group's count: fewer messages from others are loaded than are unread. */
export function unreadCountNotLoaded(messages: readonly ChatMessage[], me: string, unread: number): boolean {
  let fromOthers = 0;
  for (const m of messages) if (m.from !== me && ++fromOthers >= unread) return false;
  return unread > 0;
}

/**
 * How many pages a conversation may load to reach its first unread message when it opens (100
 * messages a page). Past it, the divider opens the oldest loaded message: a reader with a
 * thousand unread is better served at once than after a long wait.
 */
export const MAX_PAGES_TO_FIRST_UNREAD = 10;

export interface OlderPages {
  /** Pages loaded. */
  pages: number;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
}

export interface UnreadAtOpen {
  /** The message the divider goes above, frozen at open. */
  unreadFrom: string | undefined;
  /** Still loading older pages toward the first unread message: the list should not open yet. */
  paging: boolean;
}

/**
 * The divider's place, frozen when `conversation` first has its history (`ready`), until
 * `conversation` changes. When the first unread message may be older than what is loaded
 * (`mayBeOlder`), older pages are loaded first, at most MAX_PAGES_TO_FIRST_UNREAD in all, so the
 * conversation opens at it and not at the newest page. Derived during render, so the first paint
 * of the list already has the divider and opens at it.
 */
export function useUnreadAtOpen(conversation: string, ready: boolean, current: string | undefined, mayBeOlder: boolean, older: OlderPages): UnreadAtOpen {
  const frozen = useRef<{ conversation: string; value: string | undefined } | null>(null);
  // Page requests made while opening, failed ones included: a failing page cannot keep us here.
  const requested = useRef<{ conversation: string; count: number }>({ conversation, count: 0 });
  if (frozen.current?.conversation !== conversation) frozen.current = null;
  if (requested.current.conversation !== conversation) requested.current = { conversation, count: 0 };
  const paging =
    ready &&
    !frozen.current &&
    mayBeOlder &&
    older.hasOlder &&
    older.pages < MAX_PAGES_TO_FIRST_UNREAD &&
    requested.current.count < MAX_PAGES_TO_FIRST_UNREAD;
  if (!frozen.current && ready && !paging && !older.loadingOlder) frozen.current = { conversation, value: current };

  const { pages, loadingOlder, loadOlder } = older;
  // Once per page that arrives (`pages`): a fast answer may never show `loadingOlder` in a render.
  useEffect(() => {
    if (!paging || loadingOlder) return;
    requested.current.count += 1;
    loadOlder();
  }, [paging, loadingOlder, loadOlder, pages]);
  return { unreadFrom: frozen.current?.value, paging: !frozen.current && (paging || (ready && older.loadingOlder)) };
}
