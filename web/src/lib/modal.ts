// What every modal dialog does on open: focus its first field, and close on Escape anywhere.
import { useEffect, useRef, type RefObject } from 'react';

/** Returns the ref to put on the field that gets the focus when the dialog opens. */
export function useModal<T extends HTMLElement = HTMLInputElement>(onClose: () => void): RefObject<T | null> {
  const firstField = useRef<T>(null);
  // The parent re-renders often (live messages); a new onClose each time must not re-run the
  // effect below, which would pull the focus back to the first field while the user types.
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    firstField.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return firstField;
}
