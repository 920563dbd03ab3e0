// Read receipts from the conversation on screen, 1:1 or group: while the tab is visible, the
// newest message from others (and so everything before it) is marked read.
import type { ChatMessage } from '@messenger/protocol';
import { useEffect, useRef } from 'react';
import { useViewState } from '../connection/viewState';

/**
 * Calls `mark(newest)` once per message, not again while it is in flight or after it succeeded;
 * after a failure the next render that changes a dependency tries again. `mark` should be stable
 * (useCallback): a new one re-runs the check.
 */
export function useMarkReadWhileVisible(newest: ChatMessage | undefined, mark: (upTo: ChatMessage) => Promise<unknown>, enabled = true) {
  const { visible } = useViewState();
  const lastMarked = useRef<string | null>(null);
  useEffect(() => {
    if (!enabled || !visible || !newest || newest.state === 'read' || lastMarked.current === newest.id) return;
    lastMarked.current = newest.id;
    mark(newest).catch(() => {
      lastMarked.current = null;
    });
  }, [enabled, visible, newest, mark]);
}
