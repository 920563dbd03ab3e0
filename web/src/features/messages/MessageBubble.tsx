// One message. The text is always rendered as text (React escapes it); links come from linkify.
import type { ChatMessage } from '@messenger/protocol';
import { memo } from 'react';
import { formatFull, formatTime } from '../../lib/format';
import { linkify } from './linkify';
import type { OutboxEntry } from './outbox';

export type VisibleState = 'sending' | 'failed' | ChatMessage['state'];

const STATE_LABEL: Record<VisibleState, string> = {
  sending: 'Sending',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

const STATE_GLYPH: Record<VisibleState, string> = {
  sending: '◷',
  failed: '!',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
};

export function StateMark({ state }: { state: VisibleState }) {
  return (
    <span className={`state state-${state}`} data-testid="message-state" data-state={state} role="img" aria-label={STATE_LABEL[state]} title={STATE_LABEL[state]}>
      {STATE_GLYPH[state]}
    </span>
  );
}

interface BubbleProps {
  text: string;
  sentAt: string;
  mine: boolean;
  state: VisibleState;
  id?: string;
  grouped: boolean;
  error?: string;
  onRetry?: () => void;
  onDiscard?: () => void;
}

function Bubble({ text, sentAt, mine, state, id, grouped, error, onRetry, onDiscard }: BubbleProps) {
  return (
    <div
      className={`msg ${mine ? 'mine' : 'theirs'}${grouped ? ' grouped' : ''}`}
      data-testid="message"
      data-id={id}
      data-state={state}
      data-mine={mine}
    >
      <div className="bubble">
        <p className="text" dir="auto">
          {linkify(text)}
        </p>
        <span className="meta">
          <time dateTime={sentAt} title={formatFull(sentAt)}>
            {formatTime(sentAt)}
          </time>
          {mine && <StateMark state={state} />}
        </span>
      </div>
      {state === 'failed' && (
        <div className="failed-row" role="alert">
          <span>{error ?? 'Not sent.'}</span>
          <button type="button" className="link" onClick={onRetry}>
            Retry
          </button>
          <button type="button" className="link muted" onClick={onDiscard}>
            Delete
          </button>
        </div>
      )}
    </div>
  );
}

export const MessageBubble = memo(function MessageBubble({ message, me, grouped }: { message: ChatMessage; me: string; grouped: boolean }) {
  return <Bubble id={message.id} text={message.text} sentAt={message.sentAt} mine={message.from === me} state={message.state} grouped={grouped} />;
});

export function PendingBubble({ entry, grouped, onRetry, onDiscard }: { entry: OutboxEntry; grouped: boolean; onRetry: (key: string) => void; onDiscard: (key: string) => void }) {
  return (
    <Bubble
      text={entry.text}
      sentAt={entry.createdAt}
      mine
      state={entry.status}
      grouped={grouped}
      error={entry.error}
      onRetry={() => onRetry(entry.key)}
      onDiscard={() => onDiscard(entry.key)}
    />
  );
}
