// A 1:1 conversation in the list: avatar with presence, name, bot, mute and pin marks, the last
// message as plain words (or my draft), unread badge or marked-unread dot, and the row's menu
// (right-click, long press, or its "⋯" button).
import type { Conversation } from '@messenger/protocol';
import { useMemo, useState } from 'react';
import { BotBadge } from '../../components/BotBadge';
import { BellOffIcon } from '../../components/Icons';
import { ItemMenu, useRowMenuGestures, type MenuAction } from '../../components/ItemMenu';
import { MarkedUnread, PinMark, UnreadBadge } from '../../components/UnreadBadge';
import { formatStamp } from '../../lib/format';
import { conversationPath, followInApp } from '../../lib/router';
import { usePresence } from '../connection/liveState';
import { DraftPreview, useDraft } from '../messages/drafts';
import { PersonAvatar, PersonName } from '../profile/Person';
import { useDisplayName } from '../../api/profiles';
import { plainText } from '../messages/rich-text';

interface ConversationListItemProps {
  me: string;
  conversation: Conversation;
  active: boolean;
  actions: MenuAction[];
}

export function ConversationListItem({ me, conversation, active, actions }: ConversationListItemProps) {
  const online = usePresence(conversation.peer, conversation.online);
  const name = useDisplayName(conversation.peer);
  const draft = useDraft(conversation.peer);
  const last = conversation.lastMessage;
  // Parsed once per message, not on every presence or typing re-render of the list.
  const preview = useMemo(() => (last?.deleted ? 'This message was deleted' : last ? plainText(last.text) : ''), [last]);
  const { unread, muted, markedUnread, pinned } = conversation;
  const [menuOpen, setMenuOpen] = useState(false);
  const path = conversationPath(conversation.peer);
  const gestures = useRowMenuGestures(() => setMenuOpen(true), followInApp(path));
  return (
    <li className="list-row" data-row={`c:${conversation.peer}`} data-menu-open={menuOpen}>
      <a
        href={path}
        className={`conversation-item${active ? ' active' : ''}${(unread > 0 || markedUnread) && !muted ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-peer={conversation.peer}
        data-muted={muted}
        data-pinned={pinned}
        {...gestures}
      >
        <PersonAvatar username={conversation.peer} online={online} />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-name">
              <PersonName className="conversation-peer" username={conversation.peer} />
              {conversation.bot && <BotBadge />}
              {muted && (
                <span className="muted-mark" role="img" aria-label="muted" title="Muted">
                  <BellOffIcon />
                </span>
              )}
              {pinned && <PinMark />}
            </span>
            {last && (
              <time className="conversation-time" dateTime={last.sentAt}>
                {formatStamp(last.sentAt)}
              </time>
            )}
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {draft && !active ? (
                <DraftPreview draft={draft} />
              ) : last ? (
                <>
                  {last.from === me && 'You: '}
                  <bdi>{preview}</bdi>
                </>
              ) : (
                'No messages yet'
              )}
            </span>
            <UnreadBadge count={unread} label={muted ? `muted, ${unread} unread` : `${unread} unread`} muted={muted} />
            {unread === 0 && markedUnread && <MarkedUnread muted={muted} />}
          </span>
        </span>
      </a>
      <ItemMenu name={name} actions={actions} open={menuOpen} onOpenChange={setMenuOpen} />
    </li>
  );
}

