// The "⋯" menu of a conversation-list row, after the WAI-ARIA menu button pattern: the button
// opens it (as do right-click and a long press on the row, through `open`), focus moves to the
// first item, ↑/↓/Home/End move through the items (menu-keys.ts), Enter or Space picks one, Esc and Tab close
// it, and focus returns to the button, never to the page body.
import { useEffect, useRef, type KeyboardEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { MoreIcon } from './Icons';
import { menuItems, onMenuKey } from './menu-keys';

export interface MenuAction {
  label: string;
  onSelect: () => void;
}

interface ItemMenuProps {
  /** What the menu is for, e.g. "bob": the button says "More actions for bob". */
  name: string;
  actions: MenuAction[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

export function ItemMenu({ name, actions, open, onOpenChange }: ItemMenuProps) {
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (open) menuItems(menuRef.current)[0]?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    // A press anywhere outside closes it, as a click away does in every desktop menu.
    const onPointerDown = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) onOpenChange(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open, onOpenChange]);

  const close = () => {
    onOpenChange(false);
    buttonRef.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLUListElement>) => void onMenuKey(e, menuRef.current, close, () => onOpenChange(false));

  return (
    <div className="item-menu" data-open={open}>
      <button
        ref={buttonRef}
        type="button"
        className="icon-button item-menu-button"
        aria-label={`More actions for ${name}`}
        title="More actions"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => onOpenChange(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            onOpenChange(true);
          }
        }}
      >
        <MoreIcon />
      </button>
      {open && (
        <ul ref={menuRef} role="menu" aria-label={`Actions for ${name}`} className="item-menu-list" onKeyDown={onKey}>
          {actions.map((action) => (
            <li key={action.label} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={() => {
                  close();
                  action.onSelect();
                }}
              >
                {action.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Right-click and a long press (touch, 500 ms) on a row open its menu. After a long press the
 * click that follows the finger's lift must not also open the conversation. Returns the row's
 * event props, `onClick` (the row's own action, e.g. following its link) included; with
 * `hasMenu` false, right-click keeps the browser's own menu.
 */
export function useRowMenuGestures(openMenu: () => void, onClick: (e: ReactMouseEvent<HTMLAnchorElement>) => void, hasMenu = true) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pressed = useRef(false);
  const cancel = () => {
    clearTimeout(timer.current);
    timer.current = undefined;
  };
  useEffect(() => cancel, []);
  return {
    onContextMenu: hasMenu
      ? (e: { preventDefault: () => void }) => {
          e.preventDefault();
          cancel();
          openMenu();
        }
      : undefined,
    onPointerDown: (e: ReactPointerEvent) => {
      pressed.current = false;
      if (e.pointerType !== 'touch' || !hasMenu) return;
      cancel();
      timer.current = setTimeout(() => {
        pressed.current = true;
        openMenu();
      }, 500);
    },
    onPointerUp: cancel,
    onPointerMove: cancel,
    onPointerCancel: cancel,
    onClick: (e: ReactMouseEvent<HTMLAnchorElement>) => {
      // This click ends a long press: the menu is open, the row's action waits.
      if (pressed.current) {
        pressed.current = false;
        e.preventDefault();
      } else onClick(e);
    },
  };
}
