// 1:1 conversations as their owner sees them (the list, with their mute settings) and muting one.
// The mute is the owner's own setting: stored here, then only their own screens and agents hear
// of it (the conversationMuted domain event; realtime/hub.ts pushes `conversation:update`).
import { MAX_MUTED_CONVERSATIONS, type ChatMessage, type ConversationUpdate } from '@messenger/protocol';
import type { ConversationMutesRepository } from '../db/conversation-mutes.repository.js';
import type { MessagesRepository } from '../db/messages.repository.js';
import { errors } from '../errors.js';
import type { DomainEvents } from './domain-events.js';

export interface ConversationEntry {
  peer: string;
  unread: number;
  muted: boolean;
  lastMessage: ChatMessage | null;
}

export function createConversationsService(deps: { messages: MessagesRepository; mutes: ConversationMutesRepository; events: DomainEvents }) {
  return {
    /**
     * The `limit` most recent conversations, then every muted one not among them (an older one,
     * or a peer muted before any message): a client that loads the list knows every mute, which
     * the agent relies on to stay silent for someone who has not written in a long time.
     */
    async list(username: string, limit: number): Promise<ConversationEntry[]> {
      const [recent, mutedPeers] = await Promise.all([
        deps.messages.conversations(username, limit),
        deps.mutes.peersMutedBy(username, MAX_MUTED_CONVERSATIONS),
      ]);
      const muted = new Set(mutedPeers);
      const listed = new Set(recent.map((c) => c.peer));
      const rest = mutedPeers.filter((p) => !listed.has(p));
      const older = rest.length > 0 ? await deps.messages.conversationsWith(username, rest) : [];
      older.sort((a, b) => (a.lastMessage.sentAt < b.lastMessage.sentAt ? 1 : a.lastMessage.sentAt > b.lastMessage.sentAt ? -1 : 0));
      const withHistory = new Set(older.map((c) => c.peer));
      return [
        ...[...recent, ...older].map((c) => ({ ...c, muted: muted.has(c.peer) })),
        ...rest.filter((p) => !withHistory.has(p)).map((peer) => ({ peer, unread: 0, muted: true, lastMessage: null })),
      ];
    },

    /**
     * Idempotent. `peer` must be an existing account (the route checks). Muting yourself is
     * refused: your own messages never notify, so the setting would mean nothing.
     */
    async setMuted(username: string, peer: string, muted: boolean): Promise<ConversationUpdate> {
      if (peer === username) throw errors.badRequest('You cannot mute yourself: your own messages never notify you.');
      const already = await deps.mutes.isMuted(username, peer);
      if (already !== muted) {
        if (muted && (await deps.mutes.count(username)) >= MAX_MUTED_CONVERSATIONS) {
          throw errors.badRequest(`You can mute at most ${MAX_MUTED_CONVERSATIONS} conversations; unmute one first.`);
        }
        await deps.mutes.set(username, peer, muted, new Date().toISOString());
      }
      // Told even when nothing changed: a screen that missed the first answer converges anyway.
      await deps.events.emit('conversationMuted', { username, peer, muted });
      return { peer, muted };
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
