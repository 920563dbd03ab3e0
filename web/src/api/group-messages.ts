// Group messages: history (paged like 1:1, newest first), sending with an Idempotency-Key, the
// read mark and receipts. Paths and shapes come from the protocol (GroupApiPaths).
import {
  GroupApiPaths,
  GroupReadResponse,
  GroupReceipts,
  MessagesPage,
  SendResponse,
} from '@messenger/protocol';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';
import { noteAccepted } from './message-actions';
import { PAGE_SIZE, type MessagesData } from './messages';
import { sendHeaders } from './send';

export function fetchGroupMessagesPage(id: string, before: string | null, signal?: AbortSignal, limit = PAGE_SIZE): Promise<MessagesPage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before) params.set('before', before);
  return requestJson(`${GroupApiPaths.messages(id)}?${params.toString()}`, MessagesPage, { signal });
}

export function useGroupMessages(id: string, enabled = true) {
  return useInfiniteQuery<MessagesPage, Error, MessagesData, ReturnType<typeof queryKeys.groupMessages>, string | null>({
    queryKey: queryKeys.groupMessages(id),
    queryFn: ({ pageParam, signal }) => fetchGroupMessagesPage(id, pageParam, signal),
    initialPageParam: null,
    getNextPageParam: (last) => last.nextBefore,
    enabled,
    // As for 1:1 history: the socket keeps it current.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

export async function sendGroupMessage(id: string, text: string, idempotencyKey: string, socketId?: string, replyTo?: string) {
  const accepted = await requestJson(GroupApiPaths.messages(id), SendResponse, {
    method: 'POST',
    body: replyTo ? { text, replyTo } : { text },
    headers: sendHeaders(idempotencyKey, socketId),
  });
  noteAccepted(accepted.id);
  return accepted;
}

export function markGroupRead(id: string, upTo: string) {
  return requestJson(GroupApiPaths.read(id), GroupReadResponse, { method: 'POST', body: { upTo } });
}

export function useGroupReceipts(id: string, messageId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.groupReceipts(id, messageId),
    queryFn: ({ signal }) => requestJson(GroupApiPaths.receipts(id, messageId), GroupReceipts, { signal }),
    enabled,
    // Live receipt:update events are merged on top (receipts.ts), so one answer is enough.
    staleTime: Infinity,
  });
}
