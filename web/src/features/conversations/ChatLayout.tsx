// The signed-in shell: sidebar and conversation side by side; on a phone, one at a time.
import { ChatIcon } from '../../components/Icons';
import { useEffect } from 'react';
import { useConversations } from '../../api/conversations';
import { ConnectionBanner } from '../connection/ConnectionBanner';
import { setOpenPeer, setVisible } from '../connection/viewState';
import { ConversationView } from '../messages/ConversationView';
import { Sidebar } from './Sidebar';
import { totalUnread } from './conversationCache';

export function ChatLayout({ me, peer }: { me: string; peer: string | null }) {
  const conversations = useConversations();
  const unread = totalUnread(conversations.data);

  useEffect(() => {
    setOpenPeer(peer);
  }, [peer]);

  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    update();
    document.addEventListener('visibilitychange', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
      setOpenPeer(null);
    };
  }, []);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Messenger` : 'Messenger';
  }, [unread]);

  return (
    <div className={`layout ${peer ? 'has-peer' : 'no-peer'}`}>
      <Sidebar me={me} activePeer={peer} conversations={conversations} />
      <main className="main" aria-label={peer ? `Conversation with ${peer}` : 'No conversation open'}>
        <ConnectionBanner />
        {peer ? (
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
