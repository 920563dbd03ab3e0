// GET /api/conversations/:peer/messages?before=&limit=: history, newest first, paged upward.
import { ApiPaths, MessagesPage } from '@messenger/protocol';
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';

export const PAGE_SIZE = 100;

export type MessagesData = InfiniteData<MessagesPage, string | null>;

export function fetchMessagesPage(peer: string, before: string | null, signal?: AbortSignal, limit = PAGE_SIZE): Promise<MessagesPage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before) params.set('before', before);
  return requestJson(`${ApiPaths.messages(peer)}?${params.toString()}`, MessagesPage, { signal });
}

export function useMessages(peer: string) {
  return useInfiniteQuery<MessagesPage, Error, MessagesData, ReturnType<typeof queryKeys.messages>, string | null>({
    queryKey: queryKeys.messages(peer),
    queryFn: ({ pageParam, signal }) => fetchMessagesPage(peer, pageParam, signal),
    initialPageParam: null,
    getNextPageParam: (last) => last.nextBefore,
    // The socket keeps loaded history current; a refetch would reload every page.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}
