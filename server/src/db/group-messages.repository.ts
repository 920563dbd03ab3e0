// A group's messages as each member sees them: their own copies (one row per member and
// message, stored by messages.repository.ts's insertBatch), read marks, and who has what.
import type { ChatMessage } from '@messenger/protocol';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { chunks } from './chunks.js';
import { lastMessagesAsSeen, MESSAGE_COLUMNS, notHiddenBy } from './message-views.repository.js';
import { pageOf, positionOf } from './messages.repository.js';
import { groupConversation } from './schema.js';
import { transact } from './transaction.js';

export function createGroupMessagesRepository(db: Db) {
  /** The member's copy of a group message: its (sent_at, id) position. */
  const copyOf = (member: string, groupId: string, id: string) => positionOf(db, { conversation: groupConversation(groupId), recipient: member }, id);

  return {
    /** One page of a group as `member` sees it (their copies), newest first, older than `before` when given. */
    async groupPage(member: string, groupId: string, before: string | undefined, limit: number) {
      const at = before ? await copyOf(member, groupId, before) : undefined;
      if (before && !at) return undefined;
      return pageOf(db, { conversation: groupConversation(groupId), viewer: member, recipient: member }, at, limit);
    },

    /**
     * What the group list shows as the last message of each group, by the group's last message
     * id (the conversation index's): the member's copy of it, or of the newest one before it when
     * they hid it (none: absent).
     */
    async lastInGroups(member: string, lastIds: readonly string[]): Promise<Map<string, ChatMessage>> {
      const out = new Map<string, ChatMessage>();
      for (const chunk of chunks([...new Set(lastIds)])) {
        const rows = await db.selectFrom('messages').select(MESSAGE_COLUMNS).where('recipient', '=', member).where('id', 'in', chunk).execute();
        const seen = await lastMessagesAsSeen(db, rows.map((row) => ({ viewer: member, row })));
        for (const [i, r] of rows.entries()) {
          const message = seen[i];
          if (message) out.set(r.id, message);
        }
      }
      return out;
    },

    /**
     * Marks the member's copies in the group read up to and including `upTo`; returns those
     * changed with their senders (each sender hears "read" for their own messages).
     */
    async markGroupRead(member: string, groupId: string, upTo: string, now: string) {
      const at = await copyOf(member, groupId, upTo);
      if (!at) return undefined;
      const conversation = groupConversation(groupId);
      return transact(db, async (trx) => {
        // Locks the member's row of the group first, as markRead does for a 1:1 conversation.
        await trx.updateTable('conversations').set({ unread: sql`unread` }).where('owner', '=', member).where('peer', '=', conversation).execute();
        const changed = await trx
          .updateTable('messages')
          .set({ read_at: now, delivered_at: sql`COALESCE(delivered_at, ${now})` })
          .where('recipient', '=', member)
          .where('conversation', '=', conversation)
          .where('read_at', 'is', null)
          .where((eb) => eb.or([eb('sent_at', '<', at.sent_at), eb.and([eb('sent_at', '=', at.sent_at), eb('id', '<=', at.id)])]))
          .returning(['id', 'sender'])
          .execute();
        const left = await trx
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('recipient', '=', member)
          .where('conversation', '=', conversation)
          .where('read_at', 'is', null)
          .where(notHiddenBy(member))
          .executeTakeFirstOrThrow();
        await trx.updateTable('conversations').set({ unread: Number(left.n) }).where('owner', '=', member).where('peer', '=', conversation).execute();
        return changed;
      });
    },

    /** Every copy of one group message: who has it delivered and read. Undefined: no such message there. */
    async groupCopies(groupId: string, id: string) {
      const rows = await db
        .selectFrom('messages')
        .select(['sender', 'recipient', 'delivered_at', 'read_at'])
        .where('id', '=', id)
        .where('conversation', '=', groupConversation(groupId))
        .execute();
      return rows.length === 0 ? undefined : rows;
    },

  };
}

export type GroupMessagesRepository = ReturnType<typeof createGroupMessagesRepository>;
