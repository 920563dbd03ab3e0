// The tab's one live connection: the shared client's subscribe() (acks, catch-up, dedupe,
// reconnection, refused handshakes), with this app's reactions to what it hands over: the query
// cache, notifications, typing, presence, the connection banner and the focus the server hears.
import { mentions, type ChatMessage, type Conversation, type Group } from '@messenger/protocol';
import { subscribe, type ChatSocket, type CreateSocket, type SubscribeHost } from '@messenger/client';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { client as api } from '../../api/http';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { displayNameOf, refreshProfiles, setProfile } from '../../api/profiles';
import { applyGroupUpdate } from '../groups/groupCache';
import { recordGroupReceipt } from '../groups/receipts';
import { fillGap, fillGroupGap, ingestMessages, ingestReceipt } from '../messages/ingest';
import { ingestMessageUpdate } from '../messages/ingest-update';
import { claimEcho } from '../messages/outbox';
import { notifyMessage, wouldNotify } from '../notifications/notifications';
import { connection, presence, setGroupTyping, setPresence, setTyping, type ConnectionState } from './liveState';
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
  /** Tests pass a stand-in; the app lets the client connect to the page's own origin. */
  connect?: CreateSocket;
}

/** A person at a screen wants the connection back soon: socket.io's own 5 s cap, not a bot's 30 s. */
const RECONNECT_DELAY_MAX_MS = 5000;

export function SocketProvider({ me, children, onSessionEnded, connect }: SocketProviderProps) {
  const client = useQueryClient();
  const [socket, setSocket] = useState<ChatSocket | null>(null);

  useEffect(() => {
    // Same origin, the session cookie (no token), and the page already knows who it is.
    const host: SubscribeHost = { baseUrl: api.baseUrl, token: undefined, username: me, me: (signal) => api.me(signal) };
    let connectedOnce = false;

    // Titled with the sender's display name: cached for anyone on screen, asked for otherwise.
    const notify = (m: ChatMessage) => {
      if (wouldNotify()) void displayNameOf(client, m.from).then((name) => notifyMessage(m, name));
    };

    // A muted group stays quiet, except for a message that mentions me.
    const wantsNotification = (m: ChatMessage) => {
      const group = client.getQueryData<Group[]>(queryKeys.groups)?.find((g) => g.id === m.group?.id);
      return !group?.muted || mentions(m.text, me);
    };

    const onLive = () => {
      const reconnect = connectedOnce;
      connectedOnce = true;
      connection.set((c) => ({ status: 'live', everConnected: true, caughtUpAt: reconnect ? Date.now() : c.caughtUpAt }));
      void client.invalidateQueries({ queryKey: queryKeys.conversations }).then(() => queryPresence(client, subscription.socket));
      // Catch-up moved the groups' unread counts too: the server has them.
      void client.invalidateQueries({ queryKey: queryKeys.groups });
      if (reconnect) {
        fillGaps(client);
        // A name or picture changed while away came to no socket of mine.
        void refreshProfiles(client);
      }
    };

    const subscription = subscribe(host, {
      client: 'web',
      reconnectDelayMaxMs: RECONNECT_DELAY_MAX_MS,
      ...(connect ? { createSocket: connect } : {}),
      // Each message once, caught up or live, and acknowledged (if it is to me and still 'sent')
      // once it is in the cache. A catch-up comes whole: one cache write, not one per message.
      onMessages: (items) => {
        for (const { message, live } of items) if (live && message.from === me) claimEcho(message);
        const missed = items.filter((i) => !i.live).map((i) => i.message);
        const pushed = items.filter((i) => i.live).map((i) => i.message);
        if (missed.length > 0) ingestMessages(client, me, missed, { live: false });
        if (pushed.length === 0) return;
        for (const m of ingestMessages(client, me, pushed, { live: true })) {
          if (m.from === me) continue;
          // A message ends its sender's typing indicator.
          if (m.group) {
            setGroupTyping(m.group.id, m.from, false);
            if (!isReadingGroup(m.group.id) && wantsNotification(m)) notify(m);
          } else {
            setTyping(m.from, false);
            // A muted 1:1 conversation (Conversation.muted, lib/muted-peers.ts) stays quiet.
            const muted = client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === m.from)?.muted;
            if (!isReading(m.from) && !muted) notify(m);
          }
        }
      },
      onStatus: (status) => {
        if (status === 'syncing') {
          connection.set((c) => ({ ...c, status: 'syncing' }));
          subscription.socket.emit('focus:set', focusPayload(viewState.get()));
        } else if (status === 'reconnecting') {
          connection.set(afterConnectionLoss);
        } else if (status === 'live') {
          onLive();
        }
      },
      // An edit, a delete or a reaction: the message's new state, once it is stored.
      onMessageUpdate: (update) => ingestMessageUpdate(client, me, update),
      onReceipt: (change) => {
        if (change.group && change.peer !== me) recordGroupReceipt(change);
        ingestReceipt(client, me, change);
      },
      onGroupUpdate: (update) => {
        client.setQueryData<Group[]>(queryKeys.groups, (list) => applyGroupUpdate(list, update.id, update.group));
        // Members, roles or my membership changed: the member list is stale, and once I am out of
        // the group so is everything else about it.
        if (update.group) void client.invalidateQueries({ queryKey: queryKeys.groupMembers(update.id) });
        else client.removeQueries({ queryKey: queryKeys.groupMembers(update.id) });
      },
      onPresence: (update) => setPresence([[update.username, update.online]]),
      onProfileUpdate: (profile) => setProfile(client, profile),
      onTyping: (update) => {
        if (update.group) setGroupTyping(update.group, update.from, update.typing);
        else setTyping(update.from, update.typing);
      },
      // Revoked (logout elsewhere), or a refused handshake that /api/me confirms (expired).
      onSessionEnded: () => onSessionEnded(),
      // Malformed frames and failed acks are left out: the server offers unacknowledged messages
      // again on the next connect, and a person has nothing to do about either.
    });

    // Tell the server which conversation a visible tab shows (it skips notifying elsewhere).
    const unsubscribeView = viewState.subscribe(() => {
      if (subscription.socket.connected) subscription.socket.emit('focus:set', focusPayload(viewState.get()));
    });

    setSocket(subscription.socket);
    return () => {
      unsubscribeView();
      subscription.close();
      setSocket(null);
      connection.set({ status: 'connecting', caughtUpAt: null, everConnected: false });
      presence.set(new Map());
    };
  }, [client, me, connect, onSessionEnded]);

  const value = useMemo(() => ({ socket }), [socket]);
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

/**
 * The banner after a lost connection or a failed attempt. A connection that was up (syncing or
 * live) is "reconnecting"; an attempt that fails before the first catch-up ever finished is still
 * "connecting" (no "connection lost" banner on a slow first load).
 */
function afterConnectionLoss(c: ConnectionState): ConnectionState {
  const wasUp = c.status === 'syncing' || c.status === 'live';
  return { ...c, status: wasUp || c.everConnected ? 'reconnecting' : 'connecting', caughtUpAt: null };
}

/** Who of my conversation peers (and the one on screen) is online now; live updates follow. */
function queryPresence(client: QueryClient, socket: ChatSocket) {
  const peers = new Set((client.getQueryData<Conversation[]>(queryKeys.conversations) ?? []).map((c) => c.peer));
  const open = viewState.get().openPeer;
  if (open) peers.add(open);
  const usernames = [...peers].slice(0, 200);
  if (usernames.length === 0) return;
  socket.emit('presence:query', { usernames }, (answer) => {
    if (!answer.ok) return;
    const online = new Set(answer.data.online);
    setPresence(usernames.map((u) => [u, online.has(u)]));
  });
}

/** After a reconnect: what the open histories missed while away (sent from my other screens too). */
function fillGaps(client: QueryClient) {
  for (const [key, data] of client.getQueriesData<MessagesData>({ queryKey: queryKeys.messagesRoot })) {
    const peer = key[1];
    if (data && typeof peer === 'string') void fillGap(client, peer).catch(() => undefined);
  }
  for (const [key, data] of client.getQueriesData<MessagesData>({ queryKey: queryKeys.groupMessagesRoot })) {
    const group = key[1];
    if (data && typeof group === 'string') void fillGroupGap(client, group).catch(() => undefined);
  }
}
