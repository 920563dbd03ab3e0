// PATCH /api/conversations/:peer/settings and /api/groups/:id/settings: my own pin, archive,
// unread mark and mute of a conversation, on every screen and agent.
import type { ConversationSettingsBody, ConversationUpdate, Group } from '@messenger/protocol';
import { client } from './http';

export function updateConversationSettings(peer: string, change: ConversationSettingsBody): Promise<ConversationUpdate> {
  return client.updateConversationSettings(peer, change);
}

export function updateGroupSettings(id: string, change: ConversationSettingsBody): Promise<Group> {
  return client.updateGroupSettings(id, change);
}
