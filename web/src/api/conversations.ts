// GET /api/conversations: your conversations, most recent first, with unread counts.
import { ApiPaths, ConversationsResponse, type Conversation } from '@messenger/protocol';
import { useQuery } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';

export async function fetchConversations(): Promise<Conversation[]> {
  const answer = await requestJson(ApiPaths.conversations, ConversationsResponse);
  return answer.conversations;
}

export function useConversations(enabled = true) {
  return useQuery({ queryKey: queryKeys.conversations, queryFn: fetchConversations, enabled, staleTime: 30_000 });
}
