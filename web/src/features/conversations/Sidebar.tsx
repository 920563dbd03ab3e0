// Conversations and groups by recency, with previews, unread badges, presence, bot badges and
// mute marks; plus the app menu.
import { BellIcon, BellOffIcon, BotIcon, KeyIcon, LogOutIcon, PlusIcon, SearchIcon, UsersIcon } from '../../components/Icons';
import { openSearchBox } from '../../lib/search-box';
import type { Conversation, Group } from '@messenger/protocol';
import type { UseQueryResult } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useLogout } from '../../api/logout';
import { displayText } from '../../lib/bidi';
import { formatStamp } from '../../lib/format';
import { AccountDialog } from '../account/AccountDialog';
import { activityOf } from '../groups/groupCache';
import { GroupListItem } from '../groups/GroupListItem';
import { useMentionUnread } from '../groups/mention-unread';
import { NewGroupDialog } from '../groups/NewGroupDialog';
import { conversationPath, followInApp, navigate, settingsPath } from '../../lib/router';
import { usePresence } from '../connection/liveState';
import { useDraft } from '../messages/drafts';
import { plainText } from '../messages/rich-text';
import { requestNotificationPermission, usePermission } from '../notifications/notifications';
import { NewChat } from '../people/NewChat';
import { ThemeToggle } from '../theme/ThemeToggle';
import { Avatar } from '../../components/Avatar';
import { BotBadge } from '../../components/BotBadge';
import { UnreadBadge } from '../../components/UnreadBadge';

interface SidebarProps {
  me: string;
  activePeer: string | null;
  activeGroup: string | null;
  settingsOpen?: boolean;
  conversations: UseQueryResult<Conversation[]>;
  groups: UseQueryResult<Group[]>;
}

// Apple keyboards say ⌘K; the handler takes Ctrl+K and Cmd+K everywhere.
const SHORTCUT = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘K' : 'Ctrl K';

type Item = { kind: 'conversation'; at: string; conversation: Conversation } | { kind: 'group'; at: string; group: Group };

/** One list, newest activity first: 1:1 conversations by last message, groups by theirs (or creation). */
function byActivity(conversations: Conversation[] = [], groups: Group[] = []): Item[] {
  const items: Item[] = [
    ...conversations.map((c): Item => ({ kind: 'conversation', at: c.lastMessage?.sentAt ?? '', conversation: c })),
    ...groups.map((g): Item => ({ kind: 'group', at: activityOf(g), group: g })),
  ];
  return items.sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1));
}

export function Sidebar({ me, activePeer, activeGroup, settingsOpen = false, conversations, groups }: SidebarProps) {
  const [searching, setSearching] = useState(false);
  const [creatingGroup, setCreatingGroup] = useState(false);
  const mentioned = useMentionUnread();
  const items = byActivity(conversations.data, groups.data);
  const [accountOpen, setAccountOpen] = useState(false);
  const logout = useLogout();
  const permission = usePermission();
  const newChatRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  // Closing the search without a pick gives focus back to the button that opened it; it was
  // left on the page body (issue 18). A pick moves on to the conversation's composer instead.
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (!searching && refocus) {
      newChatRef.current?.focus();
      setRefocus(false);
    }
  }, [searching, refocus]);

  // Once the list is there (after signing in, or a reload), focus starts on the newest
  // conversation, or "New chat" when there is none, unless something already has it (an open
  // conversation's composer). Signing in left it on the page body (issue 18).
  const listed = conversations.isSuccess && groups.isSuccess;
  const landed = useRef(false);
  useEffect(() => {
    if (!listed || landed.current) return;
    landed.current = true;
    if (document.activeElement && document.activeElement !== document.body) return;
    (listRef.current?.querySelector<HTMLElement>('a[href]') ?? newChatRef.current)?.focus();
  }, [listed]);

  return (
    <aside className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <div className="me">
          <Avatar name={me} />
          <div className="me-text">
            <bdi className="me-name">{me}</bdi>
            <span className="muted small">Your chats</span>
          </div>
        </div>
        <div className="header-actions">
          {permission === 'default' && (
            <button
              type="button"
              className="icon-button"
              aria-label="Enable notifications"
              title="Enable notifications"
              onClick={() => void requestNotificationPermission()}
            >
              <BellIcon />
            </button>
          )}
          <ThemeToggle />
          <a
            href={settingsPath}
            className="icon-button"
            aria-label="Bots, tokens and webhooks"
            title="Bots, tokens and webhooks"
            aria-current={settingsOpen ? 'page' : undefined}
            onClick={followInApp(settingsPath)}
          >
            <BotIcon />
          </a>
          <button
            type="button"
            className="icon-button"
            aria-label="Account"
            title="Account: password, sign out everywhere"
            aria-haspopup="dialog"
            onClick={() => setAccountOpen(true)}
          >
            <KeyIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Sign out"
            title="Sign out"
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/signin', { replace: true }) })}
          >
            <LogOutIcon />
          </button>
        </div>
      </header>
      {accountOpen && <AccountDialog me={me} onClose={() => setAccountOpen(false)} />}
      {creatingGroup && <NewGroupDialog onClose={() => setCreatingGroup(false)} />}
      <div className="sidebar-tools">
        {searching ? (
          <NewChat
            onClose={() => {
              setSearching(false);
              setRefocus(true);
            }}
            onPick={(username) => {
              setSearching(false);
              navigate(conversationPath(username));
            }}
          />
        ) : (
          <div className="new-buttons">
            <button ref={newChatRef} type="button" className="primary wide new-chat" onClick={() => setSearching(true)}>
              <PlusIcon /> New chat
            </button>
            <button type="button" className="secondary wide new-chat" aria-haspopup="dialog" onClick={() => setCreatingGroup(true)}>
              <UsersIcon /> New group
            </button>
          </div>
        )}
        {!searching && (
          <button
            type="button"
            className="sidebar-search"
            aria-label="Search"
            title="Search conversations, people and messages"
            aria-haspopup="dialog"
            aria-keyshortcuts="Control+K Meta+K"
            onClick={() => openSearchBox()}
          >
            <SearchIcon />
            <span>Search</span>
            <kbd aria-hidden="true">{SHORTCUT}</kbd>
          </button>
        )}
      </div>
      <nav className="conversation-list" aria-label="Conversation list">
        {conversations.isPending && <p className="muted pad">Loading conversations…</p>}
        {conversations.isError && (
          <p className="form-error pad" role="alert">
            Could not load conversations.{' '}
            <button type="button" className="link" onClick={() => void conversations.refetch()}>
              Retry
            </button>
          </p>
        )}
        {conversations.data?.length === 0 && groups.data?.length === 0 && (
          <p className="muted pad">No conversations yet. Start one with “New chat” or “New group”.</p>
        )}
        <ul ref={listRef}>
          {items.map((item) =>
            item.kind === 'conversation' ? (
              <ConversationItem
                key={item.conversation.peer}
                me={me}
                conversation={item.conversation}
                active={item.conversation.peer === activePeer}
                muted={item.conversation.muted}
              />
            ) : (
              <GroupListItem key={item.group.id} me={me} group={item.group} active={item.group.id === activeGroup} mentioned={mentioned.get(item.group.id) ?? 0} />
            ),
          )}
        </ul>
      </nav>
    </aside>
  );
}

function ConversationItem({ me, conversation, active, muted }: { me: string; conversation: Conversation; active: boolean; muted: boolean }) {
  const online = usePresence(conversation.peer, conversation.online);
  const draft = useDraft(conversation.peer);
  const last = conversation.lastMessage;
  const unread = conversation.unread;
  return (
    <li>
      <a
        href={conversationPath(conversation.peer)}
        className={`conversation-item${active ? ' active' : ''}${unread > 0 && !muted ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-peer={conversation.peer}
        data-muted={muted}
        onClick={followInApp(conversationPath(conversation.peer))}
      >
        <Avatar name={conversation.peer} online={online} />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-name">
              <bdi className="conversation-peer">{conversation.peer}</bdi>
              {conversation.bot && <BotBadge />}
              {muted && (
                <span className="muted-mark" role="img" aria-label="muted" title="Muted">
                  <BellOffIcon />
                </span>
              )}
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
                <>
                  <span className="draft-label">Draft:</span> <bdi>{displayText(draft)}</bdi>
                </>
              ) : last ? (
                <>
                  {last.from === me && 'You: '}
                  <bdi>{plainText(last.text)}</bdi>
                </>
              ) : (
                'No messages yet'
              )}
            </span>
            <UnreadBadge count={unread} label={muted ? `muted, ${unread} unread` : `${unread} unread`} muted={muted} />
          </span>
        </span>
      </a>
    </li>
  );
}
