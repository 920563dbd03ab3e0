// A window of one conversation's history opened at a message (a search result): the page around
// it, then older pages (nextBefore) and newer ones (nextAfter) as the reader scrolls. Kept apart
// from the live history query (api/messages.ts), whose first page must always be the newest.
import type { MessagesPage } from '@messenger/protocol';
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { conversationKey, type ConversationRef } from '../lib/conversation-ref';
import { client } from './http';
import { queryKeys } from './keys';
import { PAGE_SIZE } from './messages';

/** Exactly one cursor, as the history routes take them. */
export type Cursor = { around: string } | { before: string } | { after: string };

export type AroundData = InfiniteData<MessagesPage, Cursor>;

export function fetchHistoryPage(ref: ConversationRef, cursor: Cursor, signal?: AbortSignal): Promise<MessagesPage> {
  const options = { ...cursor, limit: PAGE_SIZE, ...(signal ? { signal } : {}) };
  return 'peer' in ref ? client.history(ref.peer, options) : client.groupHistory(ref.group, options);
}

/** Pages newest first, like the live query: newer pages are fetched as "previous" ones. */
export function useHistoryAround(ref: ConversationRef, messageId: string | null) {
  return useInfiniteQuery<MessagesPage, Error, AroundData, readonly unknown[], Cursor>({
    queryKey: queryKeys.historyAround(conversationKey(ref), messageId ?? ''),
    queryFn: ({ pageParam, signal }) => fetchHistoryPage(ref, pageParam, signal),
    initialPageParam: { around: messageId ?? '' },
    getNextPageParam: (last) => (last.nextBefore ? { before: last.nextBefore } : undefined),
    getPreviousPageParam: (first) => (first.nextAfter ? { after: first.nextAfter } : undefined),
    enabled: messageId !== null,
    // Only for this visit: the live query is what stays current.
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}
