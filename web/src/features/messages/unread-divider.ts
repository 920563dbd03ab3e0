// Where the "New messages" divider goes: the first message that was unread when the conversation
// opened. Frozen then, per conversation: reading marks those messages read at once, but the divider
// stays where the reader's new messages began until they leave the conversation.
import type { ChatMessage } from '@messenger/protocol';
import { useRef } from 'react';

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
 * `current` as it was when `conversation` first had its history (`ready`), until `conversation`
 * changes. Derived during render, so the first paint of the list already has the divider and
 * opens at it.
 */
export function useFrozenAtOpen(conversation: string, ready: boolean, current: string | undefined): string | undefined {
  const frozen = useRef<{ conversation: string; value: string | undefined } | null>(null);
  if (frozen.current?.conversation !== conversation) frozen.current = null;
  if (!frozen.current && ready) frozen.current = { conversation, value: current };
  return frozen.current?.value;
}
