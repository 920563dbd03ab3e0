// What a 1:1 conversation and a group show around the message list: the header, the loading and
// load-failed states of the history, and the line saying who is typing.
import type { ReactNode } from 'react';
import { BackIcon } from '../../components/Icons';
import { displayText } from '../../lib/bidi';
import { navigate } from '../../lib/router';

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
