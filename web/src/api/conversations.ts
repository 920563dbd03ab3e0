// GET /api/conversations: your conversations, most recent first, with unread counts.
import { ApiPaths, ConversationsResponse, type Conversation } from '@messenger/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';
import { seedProfiles } from './profiles';

export async function fetchConversations(): Promise<Conversation[]> {
  const answer = await requestJson(ApiPaths.conversations, ConversationsResponse);
  return answer.conversations;
}

export function useConversations(enabled = true) {
  const client = useQueryClient();
  return useQuery({
    queryKey: queryKeys.conversations,
    queryFn: async () => {
      const list = await fetchConversations();
      // Each row carries its peer's name and picture: the rows paint with them at once.
      seedProfiles(client, list.map((c) => ({ username: c.peer, displayName: c.displayName, avatarUrl: c.avatarUrl })));
      return list;
    },
    enabled,
    staleTime: 30_000,
  });
}
