// The conversation's messages, virtualized (@tanstack/react-virtual) so 10,000 stay smooth. It
// opens at the "New messages" divider when there is one (else at the bottom), sticks to the bottom
// while you are there, offers "Jump to latest" with a count of new messages whenever you are
// scrolled up, loads older pages when you scroll near the top and keeps your place when they arrive.
// Opened at a search result (focusId), it starts there instead, highlights it, and also loads newer
// pages as you scroll down until the newest.
import { useVirtualizer, type Rect } from '@tanstack/react-virtual';
import type { ChatMessage } from '@messenger/protocol';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { MessageBubble, PendingBubble } from './MessageBubble';
import { moveMessageFocus } from './message-focus';
import type { Row } from './rows';
import type { MessageActions } from './useMessageActions';

export interface MessageListProps {
  rows: Row[];
  me: string;
  peer: string;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onRetry: (key: string) => void;
  onDiscard: (key: string) => void;
  /** What to show under a message (a group's receipts under my latest one). */
  footerFor?: (message: ChatMessage) => ReactNode;
  /** How the list and its first line name the conversation: "Messages with bob", "Messages in Ops". */
  title?: { list: string; start: string };
  /** Open at this message and highlight it (a search result), when it is among the rows. */
  focusId?: string | null;
  /** The rows end before the newest message (a window opened at a search result). */
  hasNewer?: boolean;
  loadingNewer?: boolean;
  onLoadNewer?: () => void;
  /** "Jump to latest" while hasNewer: leave the window for the newest messages. */
  onJumpToLatest?: () => void;
  /**
   * The newest message the reader has had on screen, reported as they scroll (the newest of all
   * while they are at the bottom): the read mark goes no further.
   */
  onSeen?: (messageId: string) => void;
  /** What the reader may do to a message (reply, react, edit, delete); without, messages only show. */
  actions?: MessageActions;
  /** For tests (jsdom has no layout). */
  initialRect?: Rect;
}

const NEAR_TOP_PX = 400;
const NEAR_BOTTOM_PX = 80;
/** A row counts as seen once this much of it is on screen: about its first line. */
const SEEN_LINE_PX = 24;

export function MessageList(props: MessageListProps) {
  const { rows, me, peer, hasOlder, loadingOlder, onLoadOlder, onRetry, onDiscard, footerFor, title, actions, initialRect } = props;
  const { focusId = null, hasNewer = false, loadingNewer = false, onLoadNewer, onJumpToLatest, onSeen } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  // Messages from others below the screen: since the divider, or since the reader scrolled up.
  const [newBelow, setNewBelow] = useState(0);
  const openedAt = useRef<string | null>(null);
  // Opened at the divider: it stays at the top while rows are measured and older pages arrive,
  // until the reader scrolls (estimates and real heights differ, so one scroll lands elsewhere).
  const holdDivider = useRef(false);
  const previousLast = useRef<string | undefined>(undefined);
  // Where we were before older messages are prepended: restored after they render.
  const anchor = useRef<{ firstKey: string | undefined; height: number; top: number } | null>(null);
  // The search result opened at, once scrolled to; it stays highlighted while it is the focus.
  const focused = useRef<string | null>(null);
  const [highlighted, setHighlighted] = useState<string | null>(null);
  // Rows that arrive below because we asked for newer history are not "new" messages.
  const newerRequested = useRef(false);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'day' ? 44 : 58),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 10,
    initialRect,
  });

  // The oldest message (not a day separator, which stays first when older rows share its day).
  const firstKey = rows.find((r) => r.kind !== 'day')?.key;
  const lastKey = rows[rows.length - 1]?.key;
  const totalSize = virtualizer.getTotalSize();

  const scrollToBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // The newest message on screen: everything while at the bottom; else the last row whose first
  // line is above the bottom edge (rows are rendered with overscan, so some are off screen).
  const reportSeen = useCallback(() => {
    const el = scrollRef.current;
    if (!el || !onSeen) return;
    let index = -1;
    if (atBottom.current && !hasNewer) index = rows.length - 1;
    else {
      const bottom = el.getBoundingClientRect().bottom;
      for (const node of el.querySelectorAll<HTMLElement>('[data-index]')) {
        const i = Number(node.dataset.index);
        if (i > index && node.getBoundingClientRect().top + SEEN_LINE_PX <= bottom) index = i;
      }
    }
    for (let i = index; i >= 0; i--) {
      const row = rows[i];
      if (row?.kind === 'message') return onSeen(row.message.id);
    }
  }, [onSeen, rows, hasNewer]);

  // Older rows arrived above: keep the same messages under the reader's eyes.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const saved = anchor.current;
    if (!el || !saved || saved.firstKey === firstKey) return;
    anchor.current = null;
    el.scrollTop = saved.top + (el.scrollHeight - saved.height);
  }, [firstKey]);

  // Opening at a search result (or moving to another one in the same conversation): it goes to the
  // middle of the screen, and the divider no longer decides where we are.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !focusId || focused.current === focusId) return;
    const index = rows.findIndex((r) => r.key === focusId);
    if (index < 0) return;
    focused.current = focusId;
    openedAt.current = peer;
    holdDivider.current = false;
    previousLast.current = lastKey;
    atBottom.current = false;
    virtualizer.scrollToIndex(index, { align: 'center' });
    // The reader came to read here: the arrow keys and Page Up/Down now scroll this list.
    el.focus({ preventScroll: true });
    setHighlighted(focusId);
    setShowJump(true);
  }, [focusId, rows, peer, lastKey, virtualizer]);

  // Opening a conversation: at the divider when there is one, so the first new message is the
  // first thing read; else at the newest message.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || rows.length === 0 || openedAt.current === peer) return;
    openedAt.current = peer;
    previousLast.current = lastKey;
    const divider = rows.findIndex((r) => r.kind === 'unread');
    holdDivider.current = divider >= 0;
    if (divider < 0) return;
    virtualizer.scrollToIndex(divider, { align: 'start' });
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (!atBottom.current) {
      setShowJump(true);
      setNewBelow(rows.slice(divider).filter((r) => r.kind === 'message' && r.message.from !== me).length);
    }
  }, [peer, rows, lastKey, virtualizer, me]);

  // New rows at the bottom, or rows re-measured: stay pinned to the newest message; scrolled up,
  // count what arrived below.
  useLayoutEffect(() => {
    const divider = holdDivider.current ? rows.findIndex((r) => r.kind === 'unread') : -1;
    if (divider >= 0) virtualizer.scrollToIndex(divider, { align: 'start' });
    // In a window that ends before the newest, staying at its bottom would page newer by itself.
    if (atBottom.current && !hasNewer) {
      if (divider < 0) scrollToBottom();
    } else if (newerRequested.current && lastKey !== previousLast.current) newerRequested.current = false;
    else if (lastKey && lastKey !== previousLast.current) {
      const from = rows.findIndex((r) => r.key === previousLast.current);
      const arrived = rows.slice(from + 1).filter((r) => r.kind === 'message' && r.message.from !== me).length;
      if (arrived > 0) setNewBelow((n) => n + arrived);
      setShowJump(true);
    }
    previousLast.current = lastKey;
    reportSeen();
  }, [lastKey, totalSize, scrollToBottom, rows, me, hasNewer, virtualizer, reportSeen]);

  // The reader's own scrolling (wheel, touch, keys) lets go of the divider.
  const letGo = () => {
    holdDivider.current = false;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    letGo();
    if (actions) moveMessageFocus(e, scrollRef.current);
  };

  const maybeLoadOlder = useCallback(() => {
    const el = scrollRef.current;
    if (!el || !hasOlder || loadingOlder) return;
    if (el.scrollTop < NEAR_TOP_PX) {
      anchor.current = { firstKey, height: el.scrollHeight, top: el.scrollTop };
      onLoadOlder();
    }
  }, [hasOlder, loadingOlder, onLoadOlder, firstKey]);

  // A short history may not fill the screen: fetch more until it scrolls (or there is none).
  useEffect(() => {
    const el = scrollRef.current;
    if (el && el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) maybeLoadOlder();
  }, [maybeLoadOlder, totalSize]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    atBottom.current = below < NEAR_BOTTOM_PX;
    setShowJump(!atBottom.current || hasNewer);
    if (atBottom.current) setNewBelow(0);
    reportSeen();
    maybeLoadOlder();
    if (hasNewer && !loadingNewer && below < NEAR_TOP_PX && onLoadNewer) {
      newerRequested.current = true;
      onLoadNewer();
    }
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div className="message-list-wrap">
      <div
        ref={scrollRef}
        className="message-scroll"
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={title?.list ?? `Messages with ${peer}`}
        tabIndex={0}
        onScroll={onScroll}
        onWheel={letGo}
        onTouchMove={letGo}
        onKeyDown={onKeyDown}
        onPointerDown={letGo}
        data-testid="message-list"
      >
        {loadingOlder && (
          <div className="loading-older" role="status">
            Loading earlier messages…
          </div>
        )}
        {!hasOlder && rows.length > 0 && <div className="history-start">{title?.start ?? `This is the beginning of your conversation with ${peer}.`}</div>}
        <div className="virtual-space" style={{ height: totalSize }}>
          <div className="virtual-items" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
            {items.map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className={row.key === highlighted ? 'row message-focus' : 'row'}
                  data-focused={row.key === highlighted || undefined}
                >
                  {row.kind === 'day' ? (
                    <div className="day-separator" role="separator" aria-label={row.label}>
                      <span>{row.label}</span>
                    </div>
                  ) : row.kind === 'unread' ? (
                    <div className="unread-divider" role="separator" aria-label={row.label} data-testid="unread-divider">
                      <span>{row.label}</span>
                    </div>
                  ) : row.kind === 'message' ? (
                    <MessageBubble message={row.message} me={me} grouped={row.grouped} footer={footerFor?.(row.message)} actions={actions} />
                  ) : (
                    <PendingBubble entry={row.entry} me={me} grouped={row.grouped} onRetry={onRetry} onDiscard={onDiscard} />
                  )}
                </div>
              );
            })}
          </div>
        </div>
        {loadingNewer && (
          <div className="loading-older loading-newer" role="status">
            Loading newer messages…
          </div>
        )}
      </div>
      {(showJump || hasNewer) && (
        <button
          type="button"
          className="jump"
          aria-label={newBelow > 0 ? `Jump to latest: ${newBelow} new ${newBelow === 1 ? 'message' : 'messages'}` : 'Jump to latest'}
          onClick={() => {
            if (hasNewer) onJumpToLatest?.();
            holdDivider.current = false;
            atBottom.current = true;
            setShowJump(false);
            setNewBelow(0);
            scrollToBottom();
          }}
        >
          ↓ {newBelow > 0 ? `${newBelow} new` : 'Latest'}
        </button>
      )}
    </div>
  );
}
