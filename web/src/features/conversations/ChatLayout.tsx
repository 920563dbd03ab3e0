// The signed-in shell: sidebar and conversation (or group, or settings) side by side; on a phone,
// one at a time.
import { ChatIcon } from '../../components/Icons';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useConversations } from '../../api/conversations';
import { useGroups } from '../../api/groups';
import { ConnectionBanner } from '../connection/ConnectionBanner';
import { setOpenGroup, setOpenPeer, setVisible } from '../connection/viewState';
import { groupAttention } from '../groups/groupCache';
import { GroupView } from '../groups/GroupView';
import { useMentionUnread, useMutedMentionRecount } from '../groups/mention-unread';
import { SelfConversation } from '../messages/ConversationParts';
import { ConversationView } from '../messages/ConversationView';
import { useResendWhenOnline } from '../messages/useSendMessage';
import { openUserStorage } from '../../lib/user-storage';
import { SettingsPage } from '../settings/SettingsPage';
import { closeSearchBox, openSearchBox, useSearchBox } from '../../lib/search-box';
import { SearchBox } from '../search/SearchBox';
import { Sidebar } from './Sidebar';
import { useConversationMutes } from './useConversationMutes';
import { totalUnread } from './conversationCache';
import { changeConversationSettings, changeGroupSettings } from './settings';

interface ChatLayoutProps {
  me: string;
  peer: string | null;
  group?: string | null;
  /** /settings: bots and API tokens in the main pane. */
  settings?: boolean;
}

export function ChatLayout({ me, peer, group = null, settings = false }: ChatLayoutProps) {
  const conversations = useConversations();
  const groups = useGroups();
  const mentioned = useMentionUnread();
  useConversationMutes(me);
  useMutedMentionRecount(me, groups.data);
  // A muted conversation adds nothing; a muted group only its mentions of me (they notify even when muted).
  const unread =
    totalUnread(conversations.data?.filter((c) => !c.muted)) + (groups.data ?? []).reduce((n, g) => n + groupAttention(g, me, mentioned.get(g.id) ?? 0), 0);
  const open = peer !== null || group !== null || settings;
  // Drafts and unsent messages come back from this browser's storage before anything resends.
  useEffect(() => openUserStorage(me), [me]);
  useResendWhenOnline(me);

  useEffect(() => {
    setOpenPeer(peer);
    setOpenGroup(group);
  }, [peer, group]);

  // Opening a conversation I marked as unread clears the mark, once per opening: marking the
  // one I am looking at (Slack's "mark unread" on the open channel) holds until I come back.
  const queryClient = useQueryClient();
  const openKey = peer !== null ? `c:${peer}` : group !== null ? `g:${group}` : null;
  const marked = peer !== null ? conversations.data?.find((c) => c.peer === peer)?.markedUnread : group !== null ? groups.data?.find((g) => g.id === group)?.markedUnread : undefined;
  const handledOpening = useRef<string | null>(null);
  useEffect(() => {
      if (openKey === null || marked === undefined || handledOpening.current === openKey) return;
    handledOpening.current = openKey;
    if (!marked) return;
    const clear = peer !== null ? changeConversationSettings(queryClient, peer, { markedUnread: false }) : changeGroupSettings(queryClient, group!, { markedUnread: false });
    // Not shown: the next opening tries again, and the mark is harmless meanwhile.
    clear.catch(() => undefined);
  }, [openKey, marked, peer, group, queryClient]);

  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    update();
    document.addEventListener('visibilitychange', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
      setOpenPeer(null);
      setOpenGroup(null);
    };
  }, []);

  // Ctrl+K (Cmd+K on macOS) from anywhere in the app, even while typing in the composer: the
  // browser's own use of it (focus its search bar) is the one people expect a messenger to replace.
  const searchBox = useSearchBox();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'k' || e.altKey || e.shiftKey || !(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      openSearchBox();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      closeSearchBox();
    };
  }, []);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Messenger` : 'Messenger';
  }, [unread]);

  return (
    <div className={`layout ${open ? 'has-peer' : 'no-peer'}`}>
      {searchBox && <SearchBox key={searchBox.opening} me={me} scope={searchBox.scope} onClose={closeSearchBox} />}
      <Sidebar me={me} activePeer={peer} activeGroup={group} settingsOpen={settings} conversations={conversations} groups={groups} />
      <main className="main" aria-label={settings ? 'Settings' : peer ? `Conversation with ${peer}` : group ? 'Group conversation' : 'No conversation open'}>
        <ConnectionBanner />
        {settings ? (
          <SettingsPage me={me} />
        ) : group ? (
          <GroupView key={group} me={me} id={group} />
        ) : peer === me ? (
          <SelfConversation me={me} />
        ) : peer ? (
          <ConversationView key={peer} me={me} peer={peer} />
        ) : (
          <div className="empty-main">
            <div className="empty-art" aria-hidden="true">
              <ChatIcon />
            </div>
            <h2>Your messages</h2>
            <p className="muted">Pick a conversation, or start a new chat.</p>
          </div>
        )}
      </main>
    </div>
  );
}
