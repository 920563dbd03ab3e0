// A message's actions menu, opened from the hover toolbar's "⋯", a right-click, a long press, or
// the keyboard (Enter, the Menu key or Shift+F10 on a focused message). A WAI-ARIA menu with
// roving focus (menu-keys.ts, as the conversation rows' menu); the quick reactions lead it, "More
// reactions" turns it into the emoji picker. Drawn over the page (a portal, clamped to the
// window), since the message list clips and its rows move as they are measured.
import { QUICK_REACTIONS, type ChatMessage } from '@messenger/protocol';
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useDisplayName } from '../../api/profiles';
import { menuItems, onMenuKey } from '../../components/menu-keys';
import { emojiName } from './emoji-list';
import { EmojiPicker } from './EmojiPicker';
import type { MessageActions } from './useMessageActions';

export interface MenuPlace {
  x: number;
  y: number;
}

interface Props {
  message: ChatMessage;
  actions: MessageActions;
  at: MenuPlace;
  /** Closes the menu; `refocus`: put the focus back where it was (not when an action moves it). */
  onClose: (refocus: boolean) => void;
  /** Open at the emoji picker (the toolbar's React button). */
  picking?: boolean;
}

const EDGE = 8;

export function MessageActionsMenu({ message, actions, at, onClose, picking: startPicking = false }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [picking, setPicking] = useState(startPicking);
  const [place, setPlace] = useState(at);
  const mine = message.from === actions.me;
  // Named as the rest of the screen names the author (the bubble, the quote, the reply bar).
  const author = useDisplayName(message.from);

  // Inside the window, whichever corner it opened at.
  useLayoutEffect(() => {
    const box = ref.current?.getBoundingClientRect();
    if (!box) return;
    const x = Math.max(EDGE, Math.min(at.x, window.innerWidth - box.width - EDGE));
    const y = Math.max(EDGE, Math.min(at.y, window.innerHeight - box.height - EDGE));
    setPlace((p) => (p.x === x && p.y === y ? p : { x, y }));
  }, [at, picking]);

  useEffect(() => {
    if (!picking) menuItems(menu.current)[0]?.focus();
  }, [picking]);

  useEffect(() => {
    const onPointerDown = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [onClose]);

  const pick = (run: () => void, refocus = true) => () => {
    onClose(refocus);
    run();
  };
  const item = (label: string, run: () => void, refocus = true, extra?: string) => (
    <button type="button" role="menuitem" tabIndex={-1} className={extra} onClick={pick(run, refocus)}>
      {label}
    </button>
  );

  let body: ReactNode;
  if (picking) {
    body = <EmojiPicker onPick={(emoji) => pick(() => actions.toggleReaction(message, emoji))()} onClose={() => onClose(true)} />;
  } else {
    body = (
      <div
        ref={menu}
        role="menu"
        aria-label={`Actions for ${mine ? 'your' : `${author}’s`} message`}
        className="item-menu-list message-menu"
        onKeyDown={(e) => {
          onMenuKey(e, menu.current, () => onClose(true), () => onClose(false));
          // Keys in the menu are the menu's, not the message list's.
          e.stopPropagation();
        }}
      >
        {!message.deleted && (
          <>
            <div className="quick-reactions" role="group" aria-label="React">
              {QUICK_REACTIONS.map((emoji) => {
                const reacted = !!message.reactions?.some((r) => r.emoji === emoji && r.users.includes(actions.me));
                return (
                  <button
                    key={emoji}
                    type="button"
                    role="menuitemcheckbox"
                    aria-checked={reacted}
                    tabIndex={-1}
                    aria-label={`React with ${emojiName(emoji)}`}
                    title={emojiName(emoji)}
                    onClick={pick(() => actions.toggleReaction(message, emoji))}
                  >
                    {emoji}
                  </button>
                );
              })}
              <button type="button" role="menuitem" tabIndex={-1} aria-label="More reactions" title="More reactions" onClick={() => setPicking(true)}>
                +
              </button>
            </div>
            {item('Reply', () => actions.reply(message), false)}
            {message.replyTo && item('Show replied message', () => actions.showQuoted(message), false)}
            {mine && item('Edit', () => actions.edit(message), false)}
            {item('Copy text', () => actions.copy(message))}
            {mine && item('Delete for everyone', () => actions.askDelete(message, 'everyone'), false, 'danger-text')}
          </>
        )}
        {item('Delete for me', () => actions.askDelete(message, 'me'), false, 'danger-text')}
      </div>
    );
  }
  return createPortal(
    <div ref={ref} className="message-menu-popover" style={{ left: place.x, top: place.y }} data-testid="message-menu">
      {body}
    </div>,
    document.body,
  );
}
