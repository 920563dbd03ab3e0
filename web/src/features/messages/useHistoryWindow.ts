// What a conversation view shows: its live history (newest first, kept current by the socket), or,
// after a jump to a search result, a window of history around that message that pages both ways.
// The window hands itself back to the live history (adoptWindow) as soon as it reaches the newest
// message, so live messages append as usual from then on; "Jump to latest" leaves it at once.
import type { QueryKey } from '@tanstack/react-query';
import { useQueryClient, type UseInfiniteQueryResult } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useHistoryAround } from '../../api/history-around';
import type { MessagesData } from '../../api/messages';
import { conversationKey, type ConversationRef } from '../../lib/conversation-ref';
import { clearJumpTarget, useJumpTarget } from '../../lib/jump-target';
import { adoptWindow } from './messageCache';
import type { MessageListProps } from './MessageList';

export interface HistoryWindow {
  data: MessagesData | undefined;
  isPending: boolean;
  isError: boolean;
  isSuccess: boolean;
  error: Error | null;
  refetch: () => void;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
  /** Only in a window that ends before the newest message. */
  hasNewer: boolean;
  loadingNewer: boolean;
  loadNewer: () => void;
  backToLatest: () => void;
  /** The search result to open at and highlight. */
  focusId: string | null;
}

export function useHistoryWindow(ref: ConversationRef, live: UseInfiniteQueryResult<MessagesData>, liveKey: QueryKey): HistoryWindow {
  const client = useQueryClient();
  const key = conversationKey(ref);
  const target = useJumpTarget(key);
  const around = useHistoryAround(ref, target);
  // The focus outlives the window: after the hand-back the message is still the one to show.
  const [focusId, setFocusId] = useState(target);
  if (target !== null && target !== focusId) setFocusId(target);

  const reachedNewest = around.isSuccess && !around.hasPreviousPage;
  const windowData = around.data;
  // Shown from the render that sees the newest page, so no frame shows the live rows alone.
  const adopted = useMemo(
    () => (target !== null && reachedNewest && windowData && live.isSuccess ? adoptWindow(live.data, windowData) : null),
    [target, reachedNewest, windowData, live.isSuccess, live.data],
  );
  useEffect(() => {
    if (!adopted || !windowData) return;
    // From the cache as it is now: a live message may have landed since this render.
    client.setQueryData<MessagesData>(liveKey, (current) => adoptWindow(current, windowData));
    clearJumpTarget(key);
  }, [adopted, windowData, client, liveKey, key]);
  // A result that cannot be opened (deleted since, or no longer mine to read): the newest instead.
  const failed = target !== null && around.isError;
  useEffect(() => {
    if (failed) clearJumpTarget(key);
  }, [failed, key]);

  const backToLatest = useCallback(() => {
    setFocusId(null);
    clearJumpTarget(key);
  }, [key]);

  const { fetchNextPage: liveOlder } = live;
  const { fetchNextPage: windowOlder, fetchPreviousPage: windowNewer } = around;
  const liveLoadOlder = useCallback(() => void liveOlder(), [liveOlder]);
  const windowLoadOlder = useCallback(() => void windowOlder(), [windowOlder]);
  const windowLoadNewer = useCallback(() => void windowNewer(), [windowNewer]);

  if (target !== null && !failed && !adopted) {
    return {
      data: windowData as MessagesData | undefined,
      isPending: around.isPending,
      isError: false,
      isSuccess: around.isSuccess,
      error: null,
      refetch: () => void around.refetch(),
      hasOlder: around.hasNextPage,
      loadingOlder: around.isFetchingNextPage,
      loadOlder: windowLoadOlder,
      hasNewer: around.hasPreviousPage,
      loadingNewer: around.isFetchingPreviousPage,
      loadNewer: windowLoadNewer,
      backToLatest,
      focusId: target,
    };
  }
  return {
    data: adopted ?? live.data,
    isPending: live.isPending,
    isError: live.isError,
    isSuccess: live.isSuccess,
    error: live.error,
    refetch: () => void live.refetch(),
    hasOlder: live.hasNextPage,
    loadingOlder: live.isFetchingNextPage,
    loadOlder: liveLoadOlder,
    hasNewer: false,
    loadingNewer: false,
    loadNewer: () => undefined,
    backToLatest,
    focusId,
  };
}

/** The list's paging and focus props, the same for a 1:1 conversation and a group. */
export function pagingProps(view: HistoryWindow) {
  return {
    hasOlder: view.hasOlder,
    loadingOlder: view.loadingOlder,
    onLoadOlder: view.loadOlder,
    hasNewer: view.hasNewer,
    loadingNewer: view.loadingNewer,
    onLoadNewer: view.loadNewer,
    onJumpToLatest: view.backToLatest,
    focusId: view.focusId,
  } satisfies Partial<MessageListProps>;
}
