// Changing my own settings of a conversation or group from this screen: shown at once, then the
// server's answer (all settings) replaces the guess; put back, and thrown, if it refuses (the
// pin cap, say). Other screens hear `conversation:update` / `group:update`.
import type { Conversation, ConversationSettingsBody, Group } from '@messenger/protocol';
import type { QueryClient } from '@tanstack/react-query';
import { updateConversationSettings, updateGroupSettings } from '../../api/conversationSettings';
import { queryKeys } from '../../api/keys';
import { applyGroupUpdate } from '../groups/groupCache';
import { applyConversationUpdate } from './conversationCache';

export async function changeConversationSettings(client: QueryClient, peer: string, change: ConversationSettingsBody): Promise<void> {
  const before = client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === peer);
  if (before) client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => list?.map((c) => (c.peer === peer ? { ...c, ...change } : c)));
  try {
    const answer = await updateConversationSettings(peer, change);
    client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyConversationUpdate(list, answer));
  } catch (error) {
    if (before) {
      const { muted, pinned, archived, markedUnread } = before;
      client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyConversationUpdate(list, { peer, muted, pinned, archived, markedUnread }));
    }
    throw error;
  }
}

export async function changeGroupSettings(client: QueryClient, id: string, change: ConversationSettingsBody): Promise<void> {
  const before = client.getQueryData<Group[]>(queryKeys.groups)?.find((g) => g.id === id);
  if (before) client.setQueryData<Group[]>(queryKeys.groups, (list) => list?.map((g) => (g.id === id ? { ...g, ...change } : g)));
  try {
    const answer = await updateGroupSettings(id, change);
    client.setQueryData<Group[]>(queryKeys.groups, (list) => applyGroupUpdate(list, id, answer));
  } catch (error) {
    if (before) client.setQueryData<Group[]>(queryKeys.groups, (list) => list?.map((g) => (g.id === id ? before : g)));
    throw error;
  }
}
