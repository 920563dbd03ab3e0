// The keys of a WAI-ARIA menu, shared by the conversation rows' "⋯" menu (ItemMenu.tsx) and a
// message's actions menu: ↑/↓ (and ←/→) move through the items with wrap-around, Home and End jump,
// Esc closes (the caller puts the focus back), Tab closes and lets the focus go on.
import type { KeyboardEvent } from 'react';

const ITEM = '[role="menuitem"], [role="menuitemcheckbox"]';

export function menuItems(menu: HTMLElement | null): HTMLElement[] {
  return [...(menu?.querySelectorAll<HTMLElement>(ITEM) ?? [])];
}

/** Handles one key in the menu; returns false for keys that are not the menu's. */
export function onMenuKey(e: KeyboardEvent<HTMLElement>, menu: HTMLElement | null, close: () => void, closeForTab: () => void): boolean {
  const all = menuItems(menu);
  const at = all.indexOf(document.activeElement as HTMLElement);
  const moveTo = (i: number) => all[(i + all.length) % all.length]?.focus();
  switch (e.key) {
    case 'ArrowDown':
    case 'ArrowRight':
      moveTo(at + 1);
      break;
    case 'ArrowUp':
    case 'ArrowLeft':
      moveTo(at - 1);
      break;
    case 'Home':
      moveTo(0);
      break;
    case 'End':
      moveTo(all.length - 1);
      break;
    case 'Escape':
      close();
      break;
    case 'Tab':
      closeForTab();
      return false; // Tab goes on to the next control, as it does out of any menu.
    default:
      return false;
  }
  e.preventDefault();
  e.stopPropagation();
  return true;
}
