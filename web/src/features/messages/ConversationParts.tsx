// What a 1:1 conversation and a group show around the message list: the header, the loading and
// load-failed states of the history, and the line saying who is typing.
import type { ReactNode } from 'react';
import { useDisplayName } from '../../api/profiles';
import { BackIcon } from '../../components/Icons';
import { displayText } from '../../lib/bidi';
import { navigate } from '../../lib/router';
import { PersonAvatar } from '../profile/Person';

interface ConversationHeaderProps {
  avatar: ReactNode;
  title: string;
  /** Beside the title, outside the heading (e.g. the bot badge), so the heading's name stays the title. */
  badge?: ReactNode;
  status: ReactNode;
  children?: ReactNode;
}

/** The header: back to the list (phone width), avatar, title with a status line, then `children` (actions). */
export function ConversationHeader({ avatar, title, badge, status, children }: ConversationHeaderProps) {
  return (
    <header className="conversation-header">
      <button type="button" className="icon-button back" aria-label="Back to conversations" onClick={() => navigate('/')}>
        <BackIcon />
      </button>
      {avatar}
      <div className="conversation-heading">
        <div className="conversation-title-row">
          <h2 id="conversation-title">
            <bdi>{displayText(title)}</bdi>
          </h2>
          {badge}
        </div>
        {status}
      </div>
      {children}
    </header>
  );
}

/**
 * /c/<my own name>. The server refuses a message to oneself (send.service.ts), so a composer
 * here could only fail, with a Retry that never succeeds (issue 18). Notes to self would be a
 * feature of its own (delivery, unread counts, receipts and the desktop agent all assume two
 * people), so the page says so instead, and asks the server nothing.
 */
export function SelfConversation({ me }: { me: string }) {
  const name = useDisplayName(me);
  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <ConversationHeader avatar={<PersonAvatar username={me} />} title={name} status={<p className="small muted">you{name !== me && ` · @${me}`}</p>} />
      <div className="empty-main" role="status">
        <h2>This is you</h2>
        <p className="muted">Notes to yourself are not supported. To talk to someone, find them with “New chat”.</p>
      </div>
    </section>
  );
}

export function HistoryLoading() {
  return (
    <div className="empty-main" role="status">
      <span className="spinner" aria-hidden="true" /> Loading messages…
    </div>
  );
}

export function HistoryLoadFailed({ onRetry }: { onRetry: () => void }) {
  return (
    <div className="empty-main" role="alert">
      <p>Could not load messages.</p>
      <button type="button" className="primary" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

/** Always rendered (an empty live region), so screen readers announce the text when it appears. */
export function TypingLine({ text }: { text: string | null }) {
  return (
    <div className="typing-line" aria-live="polite">
      {text && (
        <span className="typing-indicator" data-testid="typing-indicator">
          <span className="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {text}
        </span>
      )}
    </div>
  );
}
