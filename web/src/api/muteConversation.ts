// PUT /api/conversations/:peer/mute: my own setting for a 1:1 conversation, on every screen and agent.
import type { ConversationUpdate } from '@messenger/protocol';
import { client } from './http';

export function muteConversation(peer: string, muted: boolean): Promise<ConversationUpdate> {
  return client.setConversationMuted(peer, muted);
}
