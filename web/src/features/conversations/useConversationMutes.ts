// Keeps the cached conversation list's settings (mute, pin, archive, unread mark) current on this
// tab: `conversation:update` from the server (a change made on another tab, browser or device), and, once per sign-in, the move
// of what older versions kept in this browser's localStorage to the server (lib/muted-peers.ts).
import { ConversationUpdate, check, type Conversation } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { queryKeys } from '../../api/keys';
import { moveLocalMutes } from '../../lib/muted-peers';
import { useSocket } from '../connection/SocketProvider';
import { applyConversationUpdate } from './conversationCache';

export function useConversationMutes(me: string): void {
  const client = useQueryClient();
  const socket = useSocket();

  useEffect(() => {
    void moveLocalMutes(me, client);
  }, [me, client]);

  useEffect(() => {
    if (!socket) return;
    const onUpdate = (payload: unknown) => {
      if (!check(ConversationUpdate, payload)) return;
      client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyConversationUpdate(list, payload));
    };
    socket.on('conversation:update', onUpdate);
    return () => {
      socket.off('conversation:update', onUpdate);
    };
  }, [socket, client]);
}
