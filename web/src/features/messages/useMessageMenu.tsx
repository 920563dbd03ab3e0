// How a message's actions open: the small toolbar on hover (React, Reply, "⋯"), a right-click at
// the pointer, a long press on a touch screen, or the keyboard on a focused message (Enter, the
// Menu key, Shift+F10). Closing puts the focus back where it was, unless the action took it on
// (the composer for a reply or an edit, the dialog for a delete).
import type { ChatMessage } from '@messenger/protocol';
import { useCallback, useEffect, useRef, useState, type HTMLAttributes, type KeyboardEvent, type MouseEvent, type PointerEvent, type ReactNode } from 'react';
import { MoreIcon, ReplyIcon, SmileIcon } from '../../components/Icons';
import { MessageActionsMenu, type MenuPlace } from './MessageActionsMenu';
import type { MessageActions } from './useMessageActions';

const LONG_PRESS_MS = 500;

export function useMessageMenu(message: ChatMessage, actions: MessageActions | undefined): { tools?: ReactNode; articleProps?: HTMLAttributes<HTMLDivElement> } {
  const [open, setOpen] = useState<{ at: MenuPlace; picking: boolean } | null>(null);
  const article = useRef<HTMLElement | null>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const show = useCallback((from: HTMLElement, at: MenuPlace, picking = false) => {
    article.current = from.closest<HTMLElement>('[role="article"]');
    returnTo.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : article.current;
    setOpen({ at, picking });
  }, []);
  const besideBubble = (el: HTMLElement): MenuPlace => {
    const box = (el.closest('[role="article"]')?.querySelector('.bubble') ?? el).getBoundingClientRect();
    return { x: box.left, y: box.bottom + 4 };
  };
  const onClose = useCallback((refocus: boolean) => {
    setOpen(null);
    if (!refocus) return;
    const target = returnTo.current?.isConnected ? returnTo.current : article.current;
    target?.focus();
  }, []);

  if (!actions) return {};
  const articleProps: HTMLAttributes<HTMLDivElement> = {
    tabIndex: -1,
    'aria-keyshortcuts': 'Enter Shift+F10',
    onContextMenu: (e: MouseEvent<HTMLDivElement>) => {
      // A link keeps the browser's own menu (copy the address, open in a new tab).
      if ((e.target as HTMLElement).closest('a')) return;
      e.preventDefault();
      clearTimeout(timer.current);
      show(e.currentTarget, { x: e.clientX, y: e.clientY });
    },
    onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => {
      if (e.target !== e.currentTarget) return;
      if (e.key === 'Enter' || e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        e.preventDefault();
        show(e.currentTarget, besideBubble(e.currentTarget));
      }
    },
    onPointerDown: (e: PointerEvent<HTMLDivElement>) => {
      if (e.pointerType !== 'touch') return;
      clearTimeout(timer.current);
      const target = e.currentTarget;
      const at = { x: e.clientX, y: e.clientY };
      timer.current = setTimeout(() => show(target, at), LONG_PRESS_MS);
    },
    onPointerUp: () => clearTimeout(timer.current),
    onPointerMove: () => clearTimeout(timer.current),
    onPointerCancel: () => clearTimeout(timer.current),
  };
  const toolbarButton = (label: string, icon: ReactNode, picking: boolean, onClick?: () => void) => (
    <button
      type="button"
      className="icon-button"
      tabIndex={-1}
      aria-label={label}
      title={label}
      aria-haspopup={onClick ? undefined : 'menu'}
      onClick={(e) => (onClick ? onClick() : show(e.currentTarget, besideBubble(e.currentTarget), picking))}
    >
      {icon}
    </button>
  );
  const tools = (
    <>
      {/* For the pointer; the keyboard opens the same actions from the message (Enter). */}
      <div className="msg-toolbar" data-testid="message-toolbar">
        {!message.deleted && toolbarButton('React', <SmileIcon />, true)}
        {!message.deleted && toolbarButton('Reply', <ReplyIcon />, false, () => actions.reply(message))}
        {toolbarButton('More actions', <MoreIcon />, false)}
      </div>
      {open && <MessageActionsMenu message={message} actions={actions} at={open.at} picking={open.picking} onClose={onClose} />}
    </>
  );
  return { tools, articleProps };
}
