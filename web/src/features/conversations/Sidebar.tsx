// Conversations and groups: pinned first, then by recency, archived ones apart; with previews,
// unread badges, presence, bot badges, mute and pin marks, and each row's menu (pin, mark as
// unread, archive, mute); plus the app menu.
import { BellIcon, LogOutIcon, PlusIcon, SearchIcon, SettingsIcon, UsersIcon } from '../../components/Icons';
import type { MenuAction } from '../../components/ItemMenu';
import { openSearchBox } from '../../lib/search-box';
import type { Conversation, ConversationSettingsBody, Group } from '@messenger/protocol';
import { useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/http';
import { useLogout } from '../../api/logout';
import { GroupListItem } from '../groups/GroupListItem';
import { ConversationListItem } from './ConversationListItem';
import { useMentionUnread } from '../groups/mention-unread';
import { NewGroupDialog } from '../groups/NewGroupDialog';
import { conversationPath, followInApp, navigate, settingsPath } from '../../lib/router';
import { requestNotificationPermission, usePermission } from '../notifications/notifications';
import { NewChat } from '../people/NewChat';
import { ThemeToggle } from '../theme/ThemeToggle';
import { useDisplayName } from '../../api/profiles';
import { PersonAvatar } from '../profile/Person';
import { displayText } from '../../lib/bidi';
import { keyOf, listSections, settingsOf, type Item } from './list-sections';
import { changeConversationSettings, changeGroupSettings } from './settings';

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

/** The row menu's actions, each labelled for what it will do now. */
function actionsFor(settings: Pick<Conversation, 'pinned' | 'archived' | 'markedUnread' | 'muted'>, change: (c: ConversationSettingsBody) => void, canMute: boolean): MenuAction[] {
  return [
    { label: settings.pinned ? 'Unpin' : 'Pin', onSelect: () => change({ pinned: !settings.pinned }) },
    { label: settings.markedUnread ? 'Mark as read' : 'Mark as unread', onSelect: () => change({ markedUnread: !settings.markedUnread }) },
    { label: settings.archived ? 'Unarchive' : 'Archive', onSelect: () => change({ archived: !settings.archived }) },
    ...(canMute ? [{ label: settings.muted ? 'Unmute' : 'Mute', onSelect: () => change({ muted: !settings.muted }) }] : []),
  ];
}

export function Sidebar({ me, activePeer, activeGroup, settingsOpen = false, conversations, groups }: SidebarProps) {
  const [searching, setSearching] = useState(false);
  const [creatingGroup, setCreatingGroup] = useState(false);
  const mentioned = useMentionUnread();
  const sections = listSections(conversations.data, groups.data);
  const activeArchived = sections.archived.some((i) => (i.kind === 'conversation' ? i.conversation.peer === activePeer : i.group.id === activeGroup));
  const [showArchived, setShowArchived] = useState(false);
  const archivedOpen = showArchived || activeArchived;
  const archivedToggleRef = useRef<HTMLButtonElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const queryClient = useQueryClient();

  // A row that moves to another section (archived, or back) is a new element, and the focus
  // that was on its menu button would fall to the page body: it follows the row instead, or
  // lands on the Archived toggle when the row went into the collapsed section.
  const followFocus = useRef<string | null>(null);
  useEffect(() => {
    const key = followFocus.current;
    if (key === null) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    followFocus.current = null;
    const moved = listRef.current?.parentElement?.querySelector<HTMLElement>(`[data-row="${CSS.escape(key)}"] .item-menu-button`);
    (moved ?? archivedToggleRef.current ?? listRef.current?.querySelector<HTMLElement>('a[href]'))?.focus();
  });

  const change = (item: Item, body: ConversationSettingsBody) => {
    setNotice(null);
    const key = keyOf(item);
    followFocus.current = key;
    const done = item.kind === 'conversation' ? changeConversationSettings(queryClient, item.conversation.peer, body) : changeGroupSettings(queryClient, item.group.id, body);
    done
      .catch((error: unknown) => setNotice(error instanceof ApiError ? error.message : 'Could not change that setting. Try again.'))
      // Once the answer is shown (the cache notifies on a later task), a later re-render must
      // not move focus any more.
      .finally(() => setTimeout(() => followFocus.current === key && (followFocus.current = null), 0));
  };

  const renderItem = (item: Item) => {
    const actions = actionsFor(settingsOf(item), (body) => change(item, body), !(item.kind === 'conversation' && item.conversation.peer === me));
    return item.kind === 'conversation' ? (
      <ConversationListItem key={keyOf(item)} me={me} conversation={item.conversation} active={item.conversation.peer === activePeer} actions={actions} />
    ) : (
      <GroupListItem
        key={keyOf(item)}
        me={me}
        group={item.group}
        active={item.group.id === activeGroup}
        mentioned={mentioned.get(item.group.id) ?? 0}
        actions={actions}
      />
    );
  };
  const myName = useDisplayName(me);
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
          <PersonAvatar username={me} />
          <div className="me-text">
            <bdi className="me-name">{displayText(myName)}</bdi>
            <span className="muted small">{myName === me ? 'Your chats' : <bdi>@{me}</bdi>}</span>
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
            aria-label="Settings"
            title="Settings: profile, password, notifications, bots and tokens"
            aria-current={settingsOpen ? 'page' : undefined}
            onClick={followInApp(settingsPath)}
          >
            <SettingsIcon />
          </a>
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
        {notice && (
          <p className="form-error pad" role="alert">
            {notice}
          </p>
        )}
        <ul ref={listRef}>
          {sections.pinned.map(renderItem)}
          {sections.main.map(renderItem)}
        </ul>
        {sections.archived.length > 0 && (
          <div className="archived-section">
            <button
              ref={archivedToggleRef}
              type="button"
              className="archived-toggle"
              aria-expanded={archivedOpen}
              aria-controls="archived-list"
              onClick={() => setShowArchived(!archivedOpen)}
            >
              <span>Archived</span>
              <span className="archived-count" aria-label={`${sections.archived.length} conversations`}>
                {sections.archived.length}
              </span>
            </button>
            {archivedOpen && (
              <ul id="archived-list" aria-label="Archived conversations">
                {sections.archived.map(renderItem)}
              </ul>
            )}
          </div>
        )}
      </nav>
    </aside>
  );
}
