// A 1:1 peer's presence for the conversation header: online, offline, or not shared at all.
// The server shares presence only between people with a conversation or a group in common, so
// before the first message the peer is a stranger and the header must not say "offline" (issue
// 18: a new chat showed "offline" for someone who had just signed in).
import { PresenceAnswer, check, type PresenceUpdate } from '@messenger/protocol';
import { useEffect, useState } from 'react';
import { setPresence, usePresence } from '../connection/liveState';
import { useSocket } from '../connection/SocketProvider';

/**
 * `null` while the peer's presence is not shared with me; else whether they are online.
 * `listed`: the peer is in my conversation list, i.e. already a peer before the server answers.
 */
export function usePeerPresence(peer: string, listed: boolean): boolean | null {
  const socket = useSocket();
  const online = usePresence(peer);
  // Unknown until the server answers; the conversation list is the best guess meanwhile.
  const [shared, setShared] = useState<boolean | null>(null);

  // Ask when the conversation opens and after every reconnect (the answer may have changed). A
  // presence:update about the peer means the server now shares it: their first message was
  // stored (realtime/hub.ts introduces the two then), or a group made them co-members.
  useEffect(() => {
    if (!socket) return;
    const ask = () =>
      socket.emit('presence:query', { usernames: [peer] }, (answer) => {
        if (!answer.ok || !check(PresenceAnswer, answer.data)) return;
        setShared(!answer.data.strangers.includes(peer));
        setPresence([[peer, answer.data.online.includes(peer)]]);
      });
    const introduced = (update: PresenceUpdate) => {
      if (update.username === peer) setShared(true);
    };
    if (socket.connected) ask();
    socket.on('connect', ask);
    socket.on('presence:update', introduced);
    return () => {
      socket.off('connect', ask);
      socket.off('presence:update', introduced);
    };
  }, [socket, peer]);

  // Only peers are ever reported online, so "online" needs no answer to be believed.
  if (online) return true;
  return (shared ?? listed) ? false : null;
}
