// One message. The text is rendered by rich-text.tsx (a safe Markdown subset, links and mention
// highlights, all as React elements, never HTML from a string). In a group, a run of someone's
// messages opens with their avatar and name. A reply shows its quote (a click jumps to the
// original), an edited message says so, a deleted one says only that; reactions sit under it,
// and its actions (useMessageMenu.tsx) open from the hover toolbar, a right-click, a long press
// or the keyboard.
import type { ChatMessage, ReactionSummary, ReplyRef } from '@messenger/protocol';
import { memo, useId, type HTMLAttributes, type ReactNode } from 'react';
import { useDisplayName } from '../../api/profiles';
import { formatFull, formatTime } from '../../lib/format';
import { isEmojiOnly, plainText, richText } from './rich-text';
import type { OutboxEntry } from './outbox';
import { ReactionChips } from './ReactionChips';
import { useMessageMenu } from './useMessageMenu';
import type { MessageActions } from './useMessageActions';
import { SenderLabel } from '../profile/Person';

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
  me: string;
  /** Who wrote it, as a screen reader names them: "You", or the sender's name. */
  author: string;
  /** A group message from someone else that starts a run: whose it is. */
  sender?: string;
  footer?: ReactNode;
  sentAt: string;
  mine: boolean;
  state: VisibleState;
  id?: string;
  grouped: boolean;
  error?: string;
  onRetry?: () => void;
  onDiscard?: () => void;
  replyTo?: ReplyRef;
  onQuote?: () => void;
  editedAt?: string;
  deleted?: boolean;
  reactions?: readonly ReactionSummary[];
  onToggleReaction?: (emoji: string) => void;
  /** The hover toolbar and the open menu. */
  tools?: ReactNode;
  /** The article's own handlers: focus, keys, right-click, long press. */
  articleProps?: HTMLAttributes<HTMLDivElement>;
}

/** The quote of a reply, above its text: who and what, or that the original is gone. */
function Quote({ quote, onClick }: { quote: ReplyRef; onClick?: () => void }) {
  const from = useDisplayName(quote.from);
  const gone = quote.deleted || quote.text === '';
  const label = gone ? 'Deleted message' : plainText(quote.text);
  return (
    <button type="button" className="quote" onClick={onClick} disabled={!onClick} title={gone ? undefined : 'Show the original message'} data-testid="quote">
      <span className="visually-hidden">Reply to </span>
      <bdi className="quote-from">{from}</bdi>
      <span className="visually-hidden">: </span>
      <span className={`quote-text${gone ? ' gone' : ''}`} dir="auto">
        {label}
      </span>
      <span className="visually-hidden">. </span>
    </button>
  );
}

/**
 * A message's accessible name is "alice: lunch at noon?, 10:42", and for mine "You: …, 10:42,
 * Read": the author (hidden, referenced), then the bubble as drawn, so the name follows the
 * rendered text and never repeats it in an attribute. It had no sender, so nobody could hear
 * who wrote what (issue 18): in a 1:1 chat the sender shows only as the bubble's side, in a group
 * only on the first of a run.
 */
function Bubble(props: BubbleProps) {
  const { text, me, author, sender, footer, sentAt, mine, state, id, grouped, error, onRetry, onDiscard } = props;
  const { replyTo, onQuote, editedAt, deleted, reactions, onToggleReaction, tools, articleProps } = props;
  const labelId = useId();
  return (
    <div
      role="article"
      aria-labelledby={`${labelId}-author ${labelId}-bubble`}
      className={`msg ${mine ? 'mine' : 'theirs'}${grouped ? ' grouped' : ''}${deleted ? ' deleted' : ''}`}
      data-testid="message"
      data-id={id}
      data-state={state}
      data-mine={mine}
      data-from={sender}
      data-edited={editedAt ? true : undefined}
      data-deleted={deleted || undefined}
      {...articleProps}
    >
      {sender && <SenderLabel username={sender} />}
      <span id={`${labelId}-author`} hidden>
        {author}:
      </span>
      {/* The bubble with its toolbar beside it (never over the text it is for). */}
      <div className="bubble-row">
        <div className="bubble" id={`${labelId}-bubble`}>
          {replyTo && !deleted && <Quote quote={replyTo} onClick={onQuote} />}
          {deleted ? (
            <div className="text deleted-text">This message was deleted</div>
          ) : (
            <div className={`text${isEmojiOnly(text) ? ' emoji-only' : ''}`} dir="auto">
              {richText(text, me)}
            </div>
          )}
          <span className="meta">
            {/* Pauses for a screen reader between text, time and state; nothing on screen. */}
            <span className="visually-hidden">, </span>
            {editedAt && !deleted && (
              <>
                <span className="edited" title={`Edited ${formatFull(editedAt)}`}>
                  edited
                </span>
                <span className="visually-hidden">, </span>
              </>
            )}
            <time dateTime={sentAt} title={formatFull(sentAt)}>
              {formatTime(sentAt)}
            </time>
            {mine && <span className="visually-hidden">, </span>}
            {mine && <StateMark state={state} />}
          </span>
        </div>
        {tools}
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
      {reactions && reactions.length > 0 && !deleted && <ReactionChips reactions={reactions} me={me} onToggle={onToggleReaction} />}
      {footer}
    </div>
  );
}

interface MessageBubbleProps {
  message: ChatMessage;
  me: string;
  grouped: boolean;
  footer?: ReactNode;
  /** What the reader may do to it; without, the message only shows. */
  actions?: MessageActions;
}

export const MessageBubble = memo(function MessageBubble({ message, me, grouped, footer, actions }: MessageBubbleProps) {
  const mine = message.from === me;
  // My copy of a group message is stored delivered and read; what the others did with theirs is
  // the footer's "Delivered to N of M", so the mark says only that it went out.
  const state = message.group && mine ? 'sent' : message.state;
  const sender = message.group && !mine && !grouped ? message.from : undefined;
  const from = useDisplayName(message.from);
  const menu = useMessageMenu(message, actions);
  return (
    <Bubble
      id={message.id}
      text={message.text}
      me={me}
      author={mine ? 'You' : from}
      sender={sender}
      footer={footer}
      sentAt={message.sentAt}
      mine={mine}
      state={state}
      grouped={grouped}
      replyTo={message.replyTo}
      onQuote={actions && (() => actions.showQuoted(message))}
      editedAt={message.editedAt}
      deleted={message.deleted}
      reactions={message.reactions}
      onToggleReaction={actions && ((emoji) => actions.toggleReaction(message, emoji))}
      tools={menu.tools}
      articleProps={menu.articleProps}
    />
  );
});

export function PendingBubble({ entry, me, grouped, onRetry, onDiscard }: { entry: OutboxEntry; me: string; grouped: boolean; onRetry: (key: string) => void; onDiscard: (key: string) => void }) {
  return (
    <Bubble
      me={me}
      author="You"
      text={entry.text}
      replyTo={entry.replyTo}
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
