// What the reader has actually had on screen, so the read mark follows their eyes: a conversation
// opened at the first of 120 unread messages marks read only as far as they scroll, and the rest
// stay unread (here, in the list, on their other devices) until they get there.
import type { ChatMessage } from '@messenger/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/**
 * `onSeen(id)` for the list to report the newest message on screen; `newestSeen(isIncoming)` is
 * the newest incoming message at or before the furthest one seen in this conversation. It only
 * moves forward: scrolling back up does not take back what was read.
 */
export function useSeenUpTo(conversation: string, messages: readonly ChatMessage[]) {
  const [seen, setSeen] = useState<{ conversation: string; id: string } | null>(null);
  // Read in the callback, so it stays stable while messages arrive.
  const positions = useMemo(() => new Map(messages.map((m, i) => [m.id, i])), [messages]);
  const positionsRef = useRef(positions);
  positionsRef.current = positions;

  const onSeen = useCallback(
    (id: string) =>
      setSeen((current) => {
        if (current?.conversation === conversation) {
          const at = positionsRef.current.get(current.id) ?? -1;
          if ((positionsRef.current.get(id) ?? -1) <= at) return current;
        }
        return { conversation, id };
      }),
    [conversation],
  );

  const seenAt = seen?.conversation === conversation ? (positions.get(seen.id) ?? -1) : -1;
  const newestSeen = useCallback(
    (isIncoming: (m: ChatMessage) => boolean) => {
      for (let i = seenAt; i >= 0; i--) if (isIncoming(messages[i]!)) return messages[i];
      return undefined;
    },
    [seenAt, messages],
  );
  return { onSeen, newestSeen };
}

/**
 * Leaving a conversation with messages still unread (read only part way): `recount` (the list's
 * count from the server), since the live count skips messages that arrive while it is open.
 */
export function useRecountOnLeave(conversation: string, unreadLeft: boolean, recount: () => void) {
  const last = useRef({ unreadLeft, recount });
  // After every render: the cleanup below still sees the conversation being left, because React
  // runs every cleanup of a commit before any effect of it.
  useEffect(() => {
    last.current = { unreadLeft, recount };
  });
  useEffect(
    () => () => {
      if (last.current.unreadLeft) last.current.recount();
    },
    [conversation],
  );
}
