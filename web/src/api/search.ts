// GET /api/search: messages I may read that match the text, newest first, with match ranges, in
// pages (nextBefore).
import type { SearchResponse } from '@messenger/protocol';
import { useInfiniteQuery } from '@tanstack/react-query';
import { conversationKey, type ConversationRef } from '../lib/conversation-ref';
import { client } from './http';
import { queryKeys } from './keys';

export const SEARCH_LIMIT = 20;

/**
 * `q` should already be debounced. A new text is a new query key: TanStack Query aborts the
 * superseded request through its AbortSignal, so a slow answer to "hel" never replaces "hello".
 */
export function useMessageSearch(q: string, scope: ConversationRef | null) {
  const text = q.trim();
  return useInfiniteQuery({
    queryKey: queryKeys.search(text, scope ? conversationKey(scope) : ''),
    queryFn: ({ pageParam, signal }): Promise<SearchResponse> =>
      client.search(text, { ...(scope ?? {}), limit: SEARCH_LIMIT, signal, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextBefore,
    enabled: text.length > 0,
    staleTime: 10_000,
  });
}
