// The one socket.io connection, typed by the protocol's event maps. Every incoming payload is
// checked with the protocol validators before it touches the cache.
import {
  DeliveredMessage,
  GroupUpdate,
  MAX_ACK_IDS,
  MessageBatch,
  PresenceUpdate,
  ReceiptUpdate,
  SessionRevoked,
  SOCKET_PATH,
  SyncDone,
  TypingUpdate,
  check,
  mentions,
  type ChatMessage,
  type Conversation,
  type Group,
} from '@messenger/protocol';
import { retryRefusals, type ChatSocket } from '@messenger/client';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { io } from 'socket.io-client';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { applyGroupUpdate } from '../groups/groupCache';
import { recordGroupReceipt } from '../groups/receipts';
import { fillGap, fillGroupGap, ingestMessages, ingestReceipt } from '../messages/ingest';
import { claimEcho } from '../messages/outbox';
import { notifyMessage } from '../notifications/notifications';
import { connection, presence, setGroupTyping, setPresence, setTyping } from './liveState';
import { focusPayload, isReading, isReadingGroup, viewState } from './viewState';

export type { ChatSocket };

interface SocketContextValue {
  socket: ChatSocket | null;
}

const SocketContext = createContext<SocketContextValue>({ socket: null });

export function useSocket(): ChatSocket | null {
  return useContext(SocketContext).socket;
}

export interface SocketProviderProps {
  me: string;
  children: ReactNode;
  /** Called when the server ends the session (logout elsewhere, expiry). */
  onSessionEnded: () => void;
  /** Tests pass a fake; the app connects to the same origin. */
  connect?: () => ChatSocket;
}

const defaultConnect = (): ChatSocket =>
  io({ path: SOCKET_PATH, auth: { client: 'web' }, withCredentials: true, transports: ['websocket', 'polling'] });

export function SocketProvider({ me, children, onSessionEnded, connect = defaultConnect }: SocketProviderProps) {
  const client = useQueryClient();
  const [socket, setSocket] = useState<ChatSocket | null>(null);

  useEffect(() => {
    const s = connect();
    let connectedOnce = false;
    // Ids this tab already acknowledged: catch-up and live overlap by design.
    const acked = new Set<string>();

    const ack = (messages: ChatMessage[]) => {
      const ids = messages.filter((m) => m.to === me && m.state === 'sent' && !acked.has(m.id)).map((m) => m.id);
      for (const id of ids) acked.add(id);
      if (acked.size > 10_000) acked.clear();
      for (let i = 0; i < ids.length; i += MAX_ACK_IDS) s.emit('message:ack', { ids: ids.slice(i, i + MAX_ACK_IDS) });
    };

    // A muted group stays quiet, except for a message that mentions me.
    const wantsNotification = (m: ChatMessage) => {
      const group = client.getQueryData<Group[]>(queryKeys.groups)?.find((g) => g.id === m.group?.id);
      return !group?.muted || mentions(m.text, me);
    };

    const queryPresence = () => {
      const peers = new Set((client.getQueryData<Conversation[]>(queryKeys.conversations) ?? []).map((c) => c.peer));
      const open = viewState.get().openPeer;
      if (open) peers.add(open);
      const usernames = [...peers].slice(0, 200);
      if (usernames.length === 0) return;
      s.emit('presence:query', { usernames }, (answer) => {
        if (!answer.ok) return;
        const online = new Set(answer.data.online);
        setPresence(usernames.map((u) => [u, online.has(u)]));
      });
    };

    s.on('connect', () => {
      connection.set((c) => ({ ...c, status: 'syncing' }));
      s.emit('focus:set', focusPayload(viewState.get()));
    });
    s.on('disconnect', () => {
      connection.set((c) => ({ ...c, status: 'reconnecting', caughtUpAt: null }));
    });
    s.on('connect_error', () => {
      connection.set((c) => ({ ...c, status: c.everConnected ? 'reconnecting' : 'connecting' }));
    });
    // What socket.io does not retry by itself (a refused handshake, a socket the server closed),
    // the shared client's rule does: after the hinted wait, or a growing, jittered one. Only
    // "unauthorized" ends the session.
    const stopRetrying = retryRefusals(s, { onFinalRefusal: () => onSessionEnded() });

    s.on('message:new', (payload) => {
      if (!check(DeliveredMessage, payload)) return;
      if (payload.message.from === me) claimEcho(payload.message);
      const fresh = ingestMessages(client, me, [payload.message], { live: true });
      ack([payload.message]);
      for (const m of fresh) {
        if (m.from === me) continue;
        // A message ends its sender's typing indicator.
        if (m.group) {
          setGroupTyping(m.group.id, m.from, false);
          if (!isReadingGroup(m.group.id) && wantsNotification(m)) notifyMessage(m);
        } else {
          setTyping(m.from, false);
          // A muted 1:1 conversation (Conversation.muted, lib/muted-peers.ts) stays quiet.
          const muted = client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === m.from)?.muted;
          if (!isReading(m.from) && !muted) notifyMessage(m);
        }
      }
    });
    s.on('message:batch', (payload) => {
      if (!check(MessageBatch, payload)) return;
      ingestMessages(client, me, payload.messages, { live: false });
      ack(payload.messages);
    });
    s.on('sync:done', (payload) => {
      if (!check(SyncDone, payload)) return;
      const reconnect = connectedOnce;
      connectedOnce = true;
      connection.set((c) => ({ status: 'live', everConnected: true, caughtUpAt: reconnect ? Date.now() : c.caughtUpAt }));
      void client.invalidateQueries({ queryKey: queryKeys.conversations }).then(queryPresence);
      // Catch-up moved the groups' unread counts too: the server has them.
      void client.invalidateQueries({ queryKey: queryKeys.groups });
      if (reconnect) {
        for (const [key, data] of client.getQueriesData<MessagesData>({ queryKey: queryKeys.messagesRoot })) {
          const peer = key[1];
          if (data && typeof peer === 'string') void fillGap(client, peer).catch(() => undefined);
        }
        for (const [key, data] of client.getQueriesData<MessagesData>({ queryKey: queryKeys.groupMessagesRoot })) {
          const group = key[1];
          if (data && typeof group === 'string') void fillGroupGap(client, group).catch(() => undefined);
        }
      }
    });
    // One frame per acknowledgement round: the first change, the round's others in `more`.
    s.on('receipt:update', (payload) => {
      if (!check(ReceiptUpdate, payload)) return;
      const { more, ...first } = payload;
      for (const change of [first, ...(more ?? [])]) {
        if (change.group && change.peer !== me) recordGroupReceipt(change);
        ingestReceipt(client, me, change);
      }
    });
    s.on('group:update', (payload) => {
      if (!check(GroupUpdate, payload)) return;
      client.setQueryData<Group[]>(queryKeys.groups, (list) => applyGroupUpdate(list, payload.id, payload.group));
      // Members, roles or my membership changed: the member list is stale, and once I am out of
      // the group so is everything else about it.
      if (payload.group) void client.invalidateQueries({ queryKey: queryKeys.groupMembers(payload.id) });
      else client.removeQueries({ queryKey: queryKeys.groupMembers(payload.id) });
    });
    s.on('presence:update', (payload) => {
      if (check(PresenceUpdate, payload)) setPresence([[payload.username, payload.online]]);
    });
    s.on('typing:update', (payload) => {
      if (!check(TypingUpdate, payload)) return;
      if (payload.group) setGroupTyping(payload.group, payload.from, payload.typing);
      else setTyping(payload.from, payload.typing);
    });
    s.on('session:revoked', (payload) => {
      if (check(SessionRevoked, payload)) onSessionEnded();
    });

    // Tell the server which conversation a visible tab shows (it skips notifying elsewhere).
    const unsubscribeView = viewState.subscribe(() => {
      if (s.connected) s.emit('focus:set', focusPayload(viewState.get()));
    });

    setSocket(s);
    return () => {
      stopRetrying();
      unsubscribeView();
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
      connection.set({ status: 'connecting', caughtUpAt: null, everConnected: false });
      presence.set(new Map());
    };
  }, [client, me, connect, onSessionEnded]);

  const value = useMemo(() => ({ socket }), [socket]);
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}
