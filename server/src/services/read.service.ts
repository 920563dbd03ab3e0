// Read receipts: a reader marks a conversation read up to a message; once stored, the domain
// events tell the sender's screens and the reader's other screens (wherever they are connected).
import type { GroupMessagesRepository } from '../db/group-messages.repository.js';
import type { MessagesRepository } from '../db/messages.repository.js';
import type { DomainEvents } from './domain-events.js';

export function createReadService(deps: { messages: MessagesRepository; groupMessages: GroupMessagesRepository; events: DomainEvents }) {
  return {
    /** Marks the member's copies in `group` read up to `upTo`; undefined when `upTo` is not one of theirs there. */
    async markGroupRead(reader: string, group: string, upTo: string): Promise<{ readAt: string } | undefined> {
      const readAt = new Date().toISOString();
      const changed = await deps.groupMessages.markGroupRead(reader, group, upTo, readAt);
      if (!changed) return undefined;
      if (changed.length > 0) {
        const bySender: Record<string, string[]> = {};
        for (const { id, sender } of changed) (bySender[sender] ??= []).push(id);
        void deps.events.emit('groupMessagesRead', { reader, group, ids: changed.map((c) => c.id), bySender, at: readAt });
      }
      return { readAt };
    },

    /** Marks `sender`'s messages to `reader` read up to `upTo`; undefined when `upTo` is not theirs. */
    async markRead(reader: string, sender: string, upTo: string): Promise<{ readAt: string } | undefined> {
      const readAt = new Date().toISOString();
      const ids = await deps.messages.markRead(reader, sender, upTo, readAt);
      if (!ids) return undefined;
      if (ids.length > 0) void deps.events.emit('messagesRead', { reader, sender, ids, at: readAt });
      return { readAt };
    },
  };
}

export type ReadService = ReturnType<typeof createReadService>;
