// One conversation: header with presence, bot badge, mute toggle and typing, the message list, the
// composer. Marks the peer's messages read while this view is visible, as far as the reader has seen.
import type { ChatMessage } from '@messenger/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { useConversations } from '../../api/conversations';
import { useProfile } from '../../api/profiles';
import { ApiError } from '../../api/http';
import { markRead } from '../../api/markRead';
import { useMessages } from '../../api/messages';
import { displayText } from '../../lib/bidi';
import { setPeerMuted, useMutedPeers } from '../../lib/muted-peers';
import { useIsTyping } from '../connection/liveState';
import { useSocket } from '../connection/SocketProvider';
import { BotBadge } from '../../components/BotBadge';
import { BellIcon, BellOffIcon, SearchIcon } from '../../components/Icons';
import { queryKeys } from '../../api/keys';
import { openSearchBox } from '../../lib/search-box';
import { PersonAvatar } from '../profile/Person';
import { Composer } from './Composer';
import { ConversationHeader, HistoryLoadFailed, HistoryLoading, TypingLine } from './ConversationParts';
import { ingestOwnRead } from './ingest';
import { flattenMessages } from './messageCache';
import { MessageList } from './MessageList';
import { useOutbox } from './outbox';
import { buildRows } from './rows';
import { firstUnread, unreadMayBeOlder, useUnreadAtOpen } from './unread-divider';
import { useMarkReadWhileVisible } from './useMarkReadWhileVisible';
import { useRecountOnLeave, useSeenUpTo } from './useSeenUpTo';
import { usePeerPresence } from './usePeerPresence';
import { pagingProps, useHistoryWindow } from './useHistoryWindow';
import { useSendMessage } from './useSendMessage';
import { MessageActionsLayer } from './MessageActionsLayer';
import { composerModeProps, quoteOf, useMessageActions } from './useMessageActions';

export function ConversationView({ me, peer }: { me: string; peer: string }) {
  const client = useQueryClient();
  const socket = useSocket();
  const history = useMessages(peer);
  const pending = useOutbox(peer);
  const { send, retry, discard } = useSendMessage(me);
  const typing = useIsTyping(peer);
  // From the list the layout fetches (this observer never fetches by itself).
  const listed = useConversations(false).data?.find((c) => c.peer === peer);
  const bot = listed?.bot === true;
  const online = usePeerPresence(peer, listed !== undefined);
  const muted = useMutedPeers().has(peer);
  // The display name where a person reads it; the username beside it, since names need not be unique.
  const displayName = useProfile(peer)?.displayName ?? null;
  const name = displayName ?? peer;
  const [muteError, setMuteError] = useState<string | null>(null);
  const toggleMute = useCallback(() => {
    setMuteError(null);
    setPeerMuted(client, peer, !muted).catch((error: unknown) => setMuteError(error instanceof ApiError ? error.message : 'Could not change the setting.'));
  }, [client, peer, muted]);

  // The live history, or a window around a search result until it reaches the newest message.
  const view = useHistoryWindow({ peer }, history, queryKeys.messages(peer));
  const messages = useMemo(() => flattenMessages(view.data), [view.data]);
  // More unread than the newest page: older pages first, so it opens at the first unread one.
  const { unreadFrom, paging } = useUnreadAtOpen(peer, history.isSuccess, firstUnread(messages, me)?.id, view.focusId === null && unreadMayBeOlder(messages, me), {
    pages: view.data?.pages.length ?? 0,
    hasOlder: view.hasOlder,
    loadingOlder: view.loadingOlder,
    loadOlder: view.loadOlder,
  });
  const rows = useMemo(() => buildRows(messages, pending, me, new Date(), unreadFrom), [messages, pending, me, unreadFrom]);

  // Read receipts: while visible, everything from the peer up to the newest one seen is read.
  const { onSeen, newestSeen } = useSeenUpTo(peer, messages);
  const newestIncoming = useMemo(() => newestSeen((m) => m.from === peer), [newestSeen, peer]);
  const markUpTo = useCallback((upTo: ChatMessage) => markRead(peer, upTo.id).then(() => ingestOwnRead(client, peer, upTo)), [peer, client]);
  useMarkReadWhileVisible(newestIncoming, markUpTo);
  const unreadLeft = useMemo(() => messages.some((m) => m.from === peer && m.state !== 'read'), [messages, peer]);
  const recount = useCallback(() => void client.invalidateQueries({ queryKey: queryKeys.conversations }), [client]);
  useRecountOnLeave(peer, unreadLeft, recount);

  const onTyping = useCallback((isTyping: boolean) => socket?.emit('typing:set', { to: peer, typing: isTyping }), [socket, peer]);
  const messageActions = useMessageActions(me, { peer });
  const { mode, cancelMode } = messageActions;
  const onSend = useCallback(
    (text: string) => {
      send(peer, text, mode?.kind === 'reply' ? quoteOf(mode.message) : undefined);
      if (mode?.kind === 'reply') cancelMode();
    },
    [send, peer, mode, cancelMode],
  );

  const notFound = history.error instanceof ApiError && history.error.status === 404;
  // Someone not in my list may not exist: no composer until the history answers, so nothing
  // typed is lost when the answer is "no such user" (issue 18). Any other failure leaves it:
  // a send says for itself what went wrong.
  const canWrite = listed !== undefined || history.isSuccess || (history.isError && !notFound);
  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <ConversationHeader
        avatar={<PersonAvatar username={peer} online={online ?? undefined} size="md" />}
        title={name}
        badge={bot && <BotBadge />}
        status={
          <p className={`small ${online ? 'online-text' : 'muted'}`} data-testid="peer-status">
            {displayName !== null && <bdi className="peer-username">@{peer}</bdi>}
            {displayName !== null && (online !== null || muted) && ' · '}
            {/* Nothing for a stranger: their presence is not shared until the first message. */}
            {online !== null && (online ? 'online' : 'offline')}
            {muted && (online !== null ? ' · muted' : 'muted')}
          </p>
        }
      >
        {!notFound && (
          <div className="group-actions">
            <button
              type="button"
              className="icon-button"
              aria-label={`Search in conversation with ${name}`}
              title="Search in this conversation"
              aria-haspopup="dialog"
              onClick={() => openSearchBox({ peer, name })}
            >
              <SearchIcon />
            </button>
            {/* Kept on the server: every browser, device and the desktop agent follow it. */}
            <button
              type="button"
              className="icon-button"
              aria-label={`Mute ${name}`}
              aria-pressed={muted}
              title={muted ? 'Muted: no notifications, here or on your other devices. Click to unmute.' : 'Mute: no notifications from this conversation'}
              onClick={toggleMute}
            >
              {muted ? <BellOffIcon /> : <BellIcon />}
            </button>
          </div>
        )}
      </ConversationHeader>
      {muteError && (
        <p className="form-error pad" role="alert">
          {muteError}
        </p>
      )}
      {notFound ? (
        <div className="empty-main" role="alert">
          <h2>
            No user named “<bdi>{displayText(peer)}</bdi>”
          </h2>
          <p className="muted">Check the name, or find people with “New chat”.</p>
        </div>
      ) : view.isPending || paging ? (
        <HistoryLoading />
      ) : view.isError ? (
        <HistoryLoadFailed onRetry={view.refetch} />
      ) : rows.length === 0 ? (
        <div className="empty-main">
          <PersonAvatar username={peer} />
          <p className="muted">No messages yet. Say hi to {displayText(name)}!</p>
        </div>
      ) : (
        <MessageList
          rows={rows}
          me={me}
          peer={peer}
          title={{ list: `Messages with ${displayText(name)}`, start: `This is the beginning of your conversation with ${displayText(name)}.` }}
          {...pagingProps(view)}
          onRetry={retry}
          onDiscard={discard}
          onSeen={onSeen}
          actions={messageActions.actions}
        />
      )}
      <MessageActionsLayer state={messageActions} />
      <TypingLine text={typing ? `${displayText(name)} is typing…` : null} />
      {canWrite && (
        <Composer
          peer={peer}
          label={displayText(name)}
          onSend={onSend}
          onTyping={onTyping}
          {...composerModeProps(messageActions, messages, pending.filter((e) => e.status === 'sending' && !e.echoOf).length)}
        />
      )}
    </section>
  );
}
