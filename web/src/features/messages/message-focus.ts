// The keyboard's way through a message list: ↑/↓ move the focus from message to message (from
// the list itself, into the nearest one on screen), each scrolled into view, where Enter opens its
// actions. Page Up/Down and Home/End still scroll the list. Only the messages rendered so far are
// walked (the list is virtualized), which is where the reader is anyway.
import type { KeyboardEvent } from 'react';

export function moveMessageFocus(e: KeyboardEvent<HTMLElement>, list: HTMLElement | null): void {
  if ((e.key !== 'ArrowUp' && e.key !== 'ArrowDown') || e.altKey || e.ctrlKey || e.metaKey || !list) return;
  const from = e.target as HTMLElement;
  if (from !== list && from.getAttribute('role') !== 'article') return;
  const all = [...list.querySelectorAll<HTMLElement>('[role="article"][tabindex]')];
  if (all.length === 0) return;
  e.preventDefault();
  const up = e.key === 'ArrowUp';
  const at = all.indexOf(from);
  let next: HTMLElement | undefined;
  if (at >= 0) next = all[at + (up ? -1 : 1)];
  else {
    // From the list: the last message on screen (↑), or the first (↓).
    const { top, bottom } = list.getBoundingClientRect();
    const visible = all.filter((m) => {
      const box = m.getBoundingClientRect();
      return box.bottom > top && box.top < bottom;
    });
    next = up ? (visible.at(-1) ?? all.at(-1)) : (visible[0] ?? all[0]);
  }
  if (!next) return;
  next.focus({ preventScroll: true });
  next.scrollIntoView?.({ block: 'nearest' });
}
